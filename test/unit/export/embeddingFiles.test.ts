// .npy files are checked by NumPy itself (Debian's python3), CSV by parsing it back.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeNpy, writeEmbeddings } from '../../../src/core/export/embeddingFiles'

const dir = mkdtempSync(join(tmpdir(), 'export-emb-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const hasNumpy = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

const rows = 5
const dim = 3
const embeddings = Float32Array.from({ length: rows * dim }, (_, i) => Math.fround(Math.sin(i) / 3))
const labels = Int32Array.from([0, 2, 1, 2, 0])
const names = ['Alpha', 'Beta, "the second"', 'Gamma']

describe('embedding files', () => {
  it.skipIf(!hasNumpy)(
    'NumPy loads the .npy matrix and labels with the exact values (skipped only without python3-numpy)',
    () => {
      const file = join(dir, 'emb.npy')
      expect(writeEmbeddings(file, embeddings, dim, labels, names).files).toEqual([file, join(dir, 'emb.labels.npy')])
      const script = `import numpy as np, json, sys
e = np.load(sys.argv[1]); l = np.load(sys.argv[2])
print(json.dumps({"shape": list(e.shape), "dtype": str(e.dtype), "values": [float(v) for v in e.ravel()], "labels": l.tolist(), "ldtype": str(l.dtype)}))`
      const out = JSON.parse(
        execFileSync('/usr/bin/python3', ['-c', script, file, join(dir, 'emb.labels.npy')], { encoding: 'utf8' })
      )
      expect(out.shape).toEqual([rows, dim])
      expect(out.dtype).toBe('float32')
      expect(out.values).toEqual(Array.from(embeddings))
      expect(out.labels).toEqual(Array.from(labels))
      expect(out.ldtype).toBe('int32')
    }
  )

  it('pads the .npy header so the data starts on a 64-byte boundary', () => {
    for (const shape of [[1], [7, 3], [1000, 512]]) {
      const n = shape.reduce((a, b) => a * b, 1)
      const bytes = encodeNpy({ kind: 'float32', values: new Float32Array(n) }, shape)
      const headerLength = bytes[8] + 256 * bytes[9]
      expect((10 + headerLength) % 64).toBe(0)
      expect(bytes.length).toBe(10 + headerLength + 4 * n)
      expect(String.fromCharCode(bytes[10 + headerLength - 1])).toBe('\n')
    }
    expect(() => encodeNpy({ kind: 'int32', values: new Int32Array(5) }, [2, 3])).toThrow(/needs 6 values, got 5/)
  })

  it('writes CSV rows of index, label, quoted class name and coordinates', () => {
    const file = join(dir, 'emb.csv')
    writeEmbeddings(file, embeddings, dim, labels, names)
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('index,label,class,e0,e1,e2')
    expect(lines).toHaveLength(rows + 1)
    expect(lines[2].startsWith('1,2,Gamma,')).toBe(true)
    expect(lines[3].startsWith('2,1,"Beta, ""the second""",')).toBe(true)
    const coords = lines[1].split(',').slice(3).map(Number)
    expect(Float32Array.from(coords)).toEqual(embeddings.subarray(0, dim))
  })

  it('refuses other extensions without writing anything', () => {
    expect(() => writeEmbeddings(join(dir, 'emb.txt'), embeddings, dim, labels, names)).toThrow(
      /emb\.txt: embeddings are written as \.npy or \.csv/
    )
    expect(existsSync(join(dir, 'emb.txt'))).toBe(false)
  })
})
