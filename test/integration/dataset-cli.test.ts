// `npm run cli -- dataset …` end to end on real files: inspect a folder (JSON and text) without
// writing into it, convert folder → .rec → folder, make a .bin, and clear errors with exit codes.
import { mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/cli'
import type { CliIo } from '../../src/cli/io'
import { encodeImage, identityPixels, python, snapshot, tempDir, writeIdentityFolder } from '../unit/data/fixtures'

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s)
  }
  return io
}

let dir: string
let faces: string
let cache: string

beforeAll(async () => {
  dir = tempDir('dsoftmax-dataset-cli-')
  faces = join(dir, 'faces')
  cache = join(dir, 'cache')
  await writeIdentityFolder(faces, ['ana', 'bea', 'cid'], 3, 24)
  writeFileSync(join(faces, 'cid', 'broken.jpg'), (await encodeImage(identityPixels(2, 0, 40), 40, 40, 'jpeg')).subarray(0, 100))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('npm run cli -- dataset', () => {
  it('inspect --json reports the folder and leaves it untouched; the text form names the problems', async () => {
    const before = snapshot(faces)
    const io = capture()
    expect(await main(['dataset', 'inspect', faces, '--json', '--cache-dir', cache], io)).toBe(0)
    const report = JSON.parse(io.out)
    expect(report).toMatchObject({ format: 'folder', identities: 3, images: 9 })
    expect(report.problems.unreadable).toEqual([
      { path: join(faces, 'cid', 'broken.jpg'), problem: expect.stringMatching(/truncated JPEG/) }
    ])
    const text = capture()
    expect(await main(['dataset', 'inspect', faces, '--cache-dir', cache], text)).toBe(0)
    expect(text.out).toContain('format: folder')
    expect(text.out).toContain('images per identity: min 3, median 3, mean 3.0, max 3')
    expect(text.out).toMatch(/unreadable images: 1\n {4}.*broken\.jpg: .*truncated JPEG/)
    expect(snapshot(faces)).toEqual(before)
  })

  it('convert folder → .rec → folder, then inspect the .rec', async () => {
    const rec = join(dir, 'rec', 'train.rec')
    const io = capture()
    expect(await main(['dataset', 'convert', faces, rec, '--cache-dir', cache], io)).toBe(0)
    expect(io.out).toMatch(/train\.rec \(recordio, 3 identities\): 9 written/)
    expect(JSON.parse(python('read-rec', rec))).toHaveLength(1 + 9 + 3)
    const inspect = capture()
    expect(await main(['dataset', 'inspect', join(dir, 'rec'), '--json'], inspect)).toBe(0)
    expect(JSON.parse(inspect.out)).toMatchObject({ format: 'recordio', identities: 3, images: 9 })
    const back = join(dir, 'back')
    expect(await main(['dataset', 'convert', rec, back], capture())).toBe(0)
    expect(readdirSync(back).sort()).toEqual(['0', '1', '2'])
    const again = capture()
    expect(await main(['dataset', 'convert', rec, back], again)).toBe(1)
    expect(again.err).toMatch(/back already exists: choose a new output path/)
  })

  it('make-bin writes a .bin from a CSV pair list; inspect reads it', async () => {
    writeFileSync(join(faces, '..', 'pairs.csv'), 'faces/ana/0.jpg,faces/ana/1.png,1\nfaces/ana/0.jpg,faces/bea/0.png,0\n')
    const out = join(dir, 'val.bin')
    expect(await main(['dataset', 'make-bin', join(dir, 'pairs.csv'), out], capture())).toBe(0)
    const io = capture()
    expect(await main(['dataset', 'inspect', out, '--json'], io)).toBe(0)
    expect(JSON.parse(io.out)).toMatchObject({ format: 'bin', images: 4, pairs: { total: 2, same: 1 } })
  })

  it('bad input: exit 1 with the file and the problem; bad options: exit 2', async () => {
    const empty = join(dir, 'empty')
    mkdirSync(empty)
    writeFileSync(join(dir, 'wrong.bin'), 'not a pickle')
    const a = capture()
    expect(await main(['dataset', 'inspect', join(dir, 'wrong.bin')], a)).toBe(1)
    expect(a.err).toMatch(/wrong\.bin: cannot read the pickle: unsupported pickle opcode/)
    const b = capture()
    expect(await main(['dataset', 'convert', empty, join(dir, 'x.rec')], b)).toBe(1)
    expect(b.err).toMatch(/empty: no usable identity folders/)
    const c = capture()
    expect(await main(['dataset', 'inspect'], c)).toBe(2)
    expect(await main(['dataset', 'frobnicate', faces], capture())).toBe(2)
  })
})
