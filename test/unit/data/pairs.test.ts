import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openPairSet } from '../../../src/core/data/open'
import { readPairsCsv, readPairsTxt } from '../../../src/core/data/pairSets'
import { exportVerificationBin } from '../../../src/core/data/writers'
import { identityColour, python, sha1, tempDir, writeIdentityFolder } from './fixtures'

// LFW layout: root/<name>/<name>_000N.jpg, pairs.txt beside the identity folders.
let root: string
const names = ['Ann_Lee', 'Bo_Chen', 'Cy_Ono']

beforeAll(async () => {
  root = tempDir('dsoftmax-pairs-')
  await writeIdentityFolder(root, names, 3, 24, ['jpeg'])
  for (const name of names) {
    for (let i = 0; i < 3; i++) {
      const from = join(root, name, `${i}.jpg`)
      writeFileSync(join(root, name, `${name}_${String(i + 1).padStart(4, '0')}.jpg`), readFileSync(from))
      rmSync(from)
    }
  }
  writeFileSync(join(root, 'pairs.txt'), '2\t2\nAnn_Lee\t1\t2\nBo_Chen\t1\t3\nAnn_Lee\t1\tCy_Ono\t2\nBo_Chen\t2\tCy_Ono\t3\n')
  writeFileSync(
    join(root, 'pairs.csv'),
    'path1,path2,label\nAnn_Lee/Ann_Lee_0001.jpg,Ann_Lee/Ann_Lee_0002.jpg,1\n"Bo_Chen/Bo_Chen_0001.jpg",Cy_Ono/Cy_Ono_0001.jpg,0\n'
  )
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const pixelIdentity = (out: Float32Array, size: number): number => {
  const o = ((size - 2) * size + size / 2) * 3
  const rgb = [0, 1, 2].map((c) => (out[o + c] + 1) * 127.5)
  const distance = (id: number): number => identityColour(id).reduce((d, v, c) => d + (v - rgb[c]) ** 2, 0)
  return [0, 1, 2].reduce((best, id) => (distance(id) < distance(best) ? id : best), 0)
}

describe('pair lists', () => {
  it('pairs.txt: same and different lines, each distinct image once', async () => {
    const encoded = await readPairsTxt(join(root, 'pairs.txt'))
    expect(encoded.pairs.map((p) => p.same)).toEqual([true, true, false, false])
    expect(encoded.sources.map((s) => s.slice(root.length + 1))).toEqual([
      'Ann_Lee/Ann_Lee_0001.jpg',
      'Ann_Lee/Ann_Lee_0002.jpg',
      'Bo_Chen/Bo_Chen_0001.jpg',
      'Bo_Chen/Bo_Chen_0003.jpg',
      'Cy_Ono/Cy_Ono_0002.jpg',
      'Bo_Chen/Bo_Chen_0002.jpg',
      'Cy_Ono/Cy_Ono_0003.jpg'
    ])
    expect(encoded.pairs[2]).toEqual({ a: 0, b: 4, same: false })
  })

  it('finds the identity folders in an lfw/ folder beside pairs.txt (the LFW download layout)', async () => {
    const outer = tempDir('dsoftmax-lfw-')
    for (const name of names) cpSync(join(root, name), join(outer, 'lfw', name), { recursive: true })
    writeFileSync(join(outer, 'pairs.txt'), readFileSync(join(root, 'pairs.txt')))
    const encoded = await readPairsTxt(join(outer, 'pairs.txt'))
    expect(encoded.sources[0]).toBe(join(outer, 'lfw', 'Ann_Lee', 'Ann_Lee_0001.jpg'))
    rmSync(outer, { recursive: true, force: true })
  })

  it('openPairSet over pairs.txt decodes each image of the right identity', async () => {
    const set = await openPairSet(join(root, 'pairs.txt'), { inputSize: 16, channels: 3 })
    const out = new Float32Array(16 * 16 * 3)
    const expected = [0, 0, 1, 1, 2, 1, 2]
    for (let i = 0; i < set.images.count; i++) {
      set.images.write(i, out, 0)
      expect(pixelIdentity(out, 16)).toBe(expected[i])
    }
  })

  it('CSV: header skipped, quotes understood, bad lines named', async () => {
    const encoded = await readPairsCsv(join(root, 'pairs.csv'))
    expect(encoded.pairs).toEqual([
      { a: 0, b: 1, same: true },
      { a: 2, b: 3, same: false }
    ])
    writeFileSync(join(root, 'bad.csv'), 'a.jpg,b.jpg,1\na.jpg,b.jpg,maybe\n')
    await expect(readPairsCsv(join(root, 'bad.csv'))).rejects.toThrow(/bad\.csv line 2: expected "path1,path2,label"/)
  })

  it('a missing image fails the set with its path', async () => {
    writeFileSync(join(root, 'missing.txt'), '1\t1\nAnn_Lee\t1\t9\n')
    await expect(openPairSet(join(root, 'missing.txt'), { inputSize: 16, channels: 3 })).rejects.toThrow(
      /Ann_Lee_0009\.jpg: file not found/
    )
  })

  it('make-bin: pairs.txt → .bin that Python reads as (bins, issame) in pair order', async () => {
    const out = join(root, 'lfw.bin')
    const encoded = await readPairsTxt(join(root, 'pairs.txt'))
    await exportVerificationBin(encoded, out)
    const read = JSON.parse(python('read-bin', out)) as { bins: string[]; issame: boolean[] }
    expect(read.issame).toEqual([true, true, false, false])
    const order = encoded.pairs.flatMap((p) => [p.a, p.b]).map((i) => sha1(readFileSync(encoded.sources[i])))
    expect(read.bins).toEqual(order)
    await expect(exportVerificationBin(encoded, out)).rejects.toThrow(/lfw\.bin already exists/)
  })
})
