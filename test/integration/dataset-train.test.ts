// `train --data FOLDER --val PAIRS` end to end: the trainer streams an identity folder of real
// JPEG/PNG/WebP files (with a corrupt one among them) through the loader and validates on a
// pair list; the run completes and nothing in the dataset folder changes.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/cli'
import type { CliIo } from '../../src/cli/io'
import { encodeImage, snapshot, tempDir, writeIdentityFolder } from '../unit/data/fixtures'

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
const savedCache = process.env.DSOFTMAX_CACHE_DIR

beforeAll(async () => {
  dir = tempDir('dsoftmax-dataset-train-')
  process.env.DSOFTMAX_CACHE_DIR = join(dir, 'cache') // keep the index cache out of the home folder
  faces = join(dir, 'faces')
  const names = ['p0', 'p1', 'p2', 'p3']
  await writeIdentityFolder(faces, names, 6, 32)
  // Passes indexing (header and end marker intact), fails decoding: skipped during training.
  const noise = Uint8Array.from({ length: 48 * 48 * 3 }, (_, i) => (i * 7919) % 251)
  const bad = await encodeImage(noise, 48, 48, 'jpeg')
  for (let i = bad.length >> 2; i < bad.length - 100; i++) bad[i] = (i * 31) & 0xff
  writeFileSync(join(faces, 'p1', 'corrupt.jpg'), bad)
  const lines = ['path1,path2,label']
  for (let i = 0; i < 20; i++) {
    const a = names[i % 4]
    const b = i % 2 ? names[(i + 1) % 4] : a
    lines.push(
      `faces/${a}/${i % 3}.${['jpg', 'png', 'webp'][(names.indexOf(a) + (i % 3)) % 3]},faces/${b}/${(i + 1) % 3}.${['jpg', 'png', 'webp'][(names.indexOf(b) + ((i + 1) % 3)) % 3]},${i % 2 ? 0 : 1}`
    )
  }
  writeFileSync(join(dir, 'val.csv'), lines.join('\n') + '\n')
})
afterAll(() => {
  if (savedCache === undefined) delete process.env.DSOFTMAX_CACHE_DIR
  else process.env.DSOFTMAX_CACHE_DIR = savedCache
  rmSync(dir, { recursive: true, force: true })
})

describe('npm run cli -- train --data', () => {
  it('trains on an identity folder, validates on a pairs CSV and tests once on held-out pairs, leaving the data untouched', async () => {
    const before = snapshot(faces)
    const io = capture()
    const code = await main(
      [
        'train',
        '--preset',
        'fonts-quick',
        '--data',
        faces,
        '--val',
        join(dir, 'val.csv'),
        '--test',
        join(dir, 'val.csv'),
        '--steps',
        '6',
        '--batch',
        '8',
        '--out',
        join(dir, 'ws'),
        '--json'
      ],
      io
    )
    expect(io.err).not.toMatch(/error:/)
    expect(code).toBe(0)
    const result = JSON.parse(io.out) as { run: string; test?: { auc: number }; finalValidation?: unknown }
    const metrics = readFileSync(join(result.run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; step?: number; auc?: number; set?: string })
    expect(metrics.filter((m) => m.kind === 'train').map((m) => m.step)).toContain(6)
    const test = metrics.find((m) => m.kind === 'test')
    expect(test?.set).toBe('test-val')
    expect(test?.auc).toBeCloseTo(result.test?.auc as number, 10)
    expect(result.finalValidation).toBeUndefined()
    expect(JSON.parse(readFileSync(join(result.run, 'config.json'), 'utf8')).data.test).toBe(join(dir, 'val.csv'))
    expect(snapshot(faces)).toEqual(before)
  })

  it('without --test, labels the end-of-run figures validation (they picked the checkpoint), in the output and in eval/', async () => {
    const io = capture()
    const code = await main(
      [
        'train',
        '--preset',
        'fonts-quick',
        '--data',
        faces,
        '--val',
        join(dir, 'val.csv'),
        '--steps',
        '2',
        '--batch',
        '8',
        '--out',
        join(dir, 'ws')
      ],
      io
    )
    expect(code).toBe(0)
    expect(io.out).toMatch(
      /Validation \(validation-val, final weights, no flip\), dsoftmax; not a test: these pairs picked the checkpoint \(add --test PATH\)/
    )
    expect(io.out).not.toMatch(/Test verification/)
    const run = /Run written to (\S+)/.exec(io.out)?.[1] as string
    expect(readdirSync(join(run, 'eval')).sort()).toEqual(['validation-val-scores.csv', 'validation-val.json'])
  })

  it('refuses --test without --data', async () => {
    const io = capture()
    expect(await main(['train', '--test', join(dir, 'val.csv')], io)).toBe(2)
    expect(io.err).toMatch(/--test needs --data/)
  })
})
