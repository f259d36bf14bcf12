// `export` and `embed` through the CLI on a run folder in the trainer's format (config.json as
// runTraining writes it, weights saved with saveWeights): the exported ONNX file and the app give
// the same embeddings for the same image files, and bad input exits with a clear message.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/cli'
import type { CliIo } from '../../src/cli/io'
import { initBackend } from '../../src/core/backend'
import { fontImageSet, glyphImage, loadFontDataset, type FontDataset } from '../../src/core/data'
import { buildBackbone, embedImages, glyphCnn } from '../../src/core/models'
import { createRunFolder, saveWeights } from '../../src/core/train'
import { tf } from '../../src/core/tf'
import { createRng } from '../../src/core/util/rng'
import { weightsOfBackbone, backboneFromWeights } from '../../src/core/export/appModel'
import { trainedLike } from '../unit/export/helpers'

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

const workspace = mkdtempSync(join(tmpdir(), 'export-cli-'))
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

let runDir: string
let dataset: FontDataset
const images: string[] = []
const config = {
  preset: 'fonts-quick',
  dataset: 'fonts',
  backbone: 'glyph-cnn',
  embeddingDim: 24,
  inputSize: 32,
  loss: 'dsoftmax',
  seed: 1
}

beforeAll(async () => {
  await initBackend({})
  const spec = glyphCnn({ embeddingDim: 24 })
  const random = buildBackbone(spec, createRng(21))
  const backbone = backboneFromWeights(spec, trainedLike(await weightsOfBackbone(random), 22))
  random.dispose()
  const run = createRunFolder(workspace, 'cli-run')
  run.writeConfig(config)
  const centres = tf.ones([5, 24])
  await saveWeights(run, 'checkpoints/final', [
    ...backbone.params.map((p) => ({ name: p.name, tensor: p.variable })),
    { name: 'head/centres', tensor: centres }
  ])
  centres.dispose()
  backbone.dispose()
  runDir = run.dir
  dataset = await loadFontDataset()
  // Two glyphs of one test font as lossless PNG files.
  for (const ch of [10, 36]) {
    const file = join(workspace, `glyph-${ch}.png`)
    await sharp(Buffer.from(glyphImage(dataset, dataset.split.test[0], ch)), { raw: { width: 32, height: 32, channels: 1 } })
      .png()
      .toFile(file)
    images.push(file)
  }
})

describe('npm run cli -- export', () => {
  it('exports to <run>/exports/model.onnx by default, validated against the app on real glyphs', async () => {
    const io = capture()
    expect(await main(['export', '--run', runDir, '--json'], io)).toBe(0)
    const result = JSON.parse(io.out)
    const file = join(runDir, 'exports', 'model.onnx')
    expect(result.onnx.file).toBe(file)
    expect(result.checkpointNote).toBe('the run has no checkpoints/best; used checkpoints/final')
    expect(io.err).toContain('used checkpoints/final')
    const report = JSON.parse(readFileSync(`${file}.validation.json`, 'utf8'))
    expect(report.ok).toBe(true)
    expect(report.realImages).toMatch(/^32 images of the bundled fonts \(test split/)
    expect(report.comparisons.map((c: { batch: string }) => c.batch)).toEqual(['random', 'real'])
    for (const cmp of report.comparisons) expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4)
    expect(report.inferenceMsBatch32).toBeGreaterThan(0)
  })

  it("writes TF.js and dataset embeddings; the CSV rows are the app's embeddings of those glyphs", async () => {
    const io = capture()
    const csv = join(workspace, 'emb.csv')
    const code = await main(
      ['export', '--run', runDir, '--tfjs', join(workspace, 'tfjs'), '--embeddings', csv, '--limit', '40', '--split', 'val'],
      io
    )
    expect(code).toBe(0)
    expect(io.out).toMatch(/TF\.js export PASSED/)
    expect(existsSync(join(workspace, 'tfjs', 'model.json'))).toBe(true)
    expect(existsSync(join(runDir, 'exports', 'model.onnx.failed.onnx'))).toBe(false)
    const rows = readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
    expect(rows).toHaveLength(40)
    // Recompute row 7 independently: the val split's image at the same evenly spaced index.
    const set = fontImageSet(dataset, 'val')
    const index = Math.floor((7 * set.count) / 40)
    const backbone = backboneFromWeights(
      glyphCnn({ embeddingDim: 24 }),
      (await import('../../src/core/export/runLoader')).loadRun(runDir).weights.tensors
    )
    const expected = await embedImages(backbone, set, [index])
    backbone.dispose()
    expect(Number(rows[7][1])).toBe(set.labels[index])
    expect(rows[7][2]).toBe(set.classNames[set.labels[index]])
    rows[7].slice(3).forEach((v, j) => expect(Number(v)).toBeCloseTo(expected[j], 6))
  })

  it('refuses a damaged checkpoint and an unknown embeddings format, exit 2 with the reason', async () => {
    const damaged = createRunFolder(workspace, 'damaged')
    damaged.writeConfig(config)
    const bin = join(runDir, 'checkpoints', 'final', 'weights.bin')
    const bytes = readFileSync(bin)
    bytes[40] ^= 1
    damaged.writeFile('checkpoints/final/weights.bin', bytes)
    damaged.writeFile('checkpoints/final/manifest.json', readFileSync(join(runDir, 'checkpoints', 'final', 'manifest.json')))
    const io = capture()
    expect(await main(['export', '--run', damaged.dir], io)).toBe(2)
    expect(io.err).toMatch(/weights\.bin is damaged: its sha256 is/)
    expect(existsSync(join(damaged.dir, 'exports', 'model.onnx'))).toBe(false)
    const io2 = capture()
    expect(await main(['export', '--run', runDir, '--embeddings', 'x.txt'], io2)).toBe(2)
    expect(io2.err).toContain('give a file name ending in .npy or .csv')
  })
})

describe('npm run cli -- embed', () => {
  it('the app and the exported file give the same embeddings and cosine for two image files', async () => {
    const app = capture()
    expect(await main(['embed', '--run', runDir, ...images, '--json'], app)).toBe(0)
    const onnx = capture()
    expect(await main(['embed', '--onnx', join(runDir, 'exports', 'model.onnx'), ...images, '--json'], onnx)).toBe(0)
    const a = JSON.parse(app.out)
    const b = JSON.parse(onnx.out)
    expect(a.dim).toBe(24)
    for (let i = 0; i < 2; i++)
      a.images[i].embedding.forEach((v: number, j: number) =>
        expect(Math.abs(v - b.images[i].embedding[j])).toBeLessThanOrEqual(1e-4)
      )
    const dot = a.images[0].embedding.reduce((s: number, v: number, j: number) => s + v * a.images[1].embedding[j], 0)
    expect(a.cosine).toBeCloseTo(dot, 10)
    expect(b.cosine).toBeCloseTo(a.cosine, 5)
    // The PNG decodes to the glyph itself: same embedding as the app's dataset path.
    const backbone = backboneFromWeights(
      glyphCnn({ embeddingDim: 24 }),
      (await import('../../src/core/export/runLoader')).loadRun(runDir).weights.tensors
    )
    const glyphs = {
      shape: [32, 32, 1] as [number, number, number],
      count: 1,
      write: (_: number, out: Float32Array, offset: number) =>
        out.set(
          Float32Array.from(glyphImage(dataset, dataset.split.test[0], 10), (p) => p / 127.5 - 1),
          offset
        )
    }
    const direct = await embedImages(backbone, glyphs, [0])
    backbone.dispose()
    direct.forEach((v, j) => expect(a.images[0].embedding[j]).toBeCloseTo(v, 6))

    const human = capture()
    expect(await main(['embed', '--onnx', join(runDir, 'exports', 'model.onnx'), ...images], human)).toBe(0)
    expect(human.out).toMatch(/cosine similarity: -?\d\.\d{6}/)
  })

  it('says what is wrong with a file that is not a model or not an image', async () => {
    const notModel = join(workspace, 'not-a-model.onnx')
    writeFileSync(notModel, 'hello, this is text')
    const io = capture()
    expect(await main(['embed', '--onnx', notModel, images[0]], io)).toBe(2)
    expect(io.err).toContain(notModel)
    const io2 = capture()
    expect(await main(['embed', '--run', runDir, notModel], io2)).not.toBe(0)
    expect(io2.err).toContain(`${notModel}: cannot read the image`)
    const io3 = capture()
    expect(await main(['embed', images[0]], io3)).toBe(2)
    expect(io3.err).toContain('give exactly one of --run DIR or --onnx FILE')
  })
})
