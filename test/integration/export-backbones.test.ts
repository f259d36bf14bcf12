// Every backbone the app offers, exported with random weights and with weights in a trained state
// (batch-norm statistics, PReLU slopes and biases away from their initial values), must run in
// ONNX Runtime and TF.js and give the app's normalized embeddings within 1e-4, on real glyphs and
// random inputs. New backbones in BACKBONE_NAMES are covered automatically.
//
// Inputs are 20×20 where the architecture allows (the reference net is fixed at 64×64×3): small
// enough to keep the deep nets quick, and every stage still has a map larger than 1×1 before the
// flatten, and 10 → 5 exercises tfjs' asymmetric 'same' padding.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../src/core/backend'
import { fontImageSet, loadFontDataset, type ImageSource } from '../../src/core/data'
import { BACKBONE_NAMES, backboneSpec, buildBackbone, type BackboneSpec } from '../../src/core/models'
import { createRng } from '../../src/core/util/rng'
import { backboneFromWeights, weightsOfBackbone } from '../../src/core/export/appModel'
import { exportOnnx, type ExportProvenance } from '../../src/core/export/exportOnnx'
import { decodeOnnxModel } from '../../src/core/export/onnxSchema'
import { exportTfjs } from '../../src/core/export/tfjsExport'
import { nchwBatch, type RealImages, type ValidationReport } from '../../src/core/export/validate'
import { trainedLike } from '../unit/export/helpers'

const dir = mkdtempSync(join(tmpdir(), 'export-backbones-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let glyphs: ImageSource
beforeAll(async () => {
  await initBackend({})
  glyphs = fontImageSet(await loadFontDataset(), 'test')
})

/** 32 bundled glyphs at the model's input: as they are for 32×32×1, else nearest-neighbour resized and repeated per channel. */
function realImages(spec: BackboneSpec): Exclude<RealImages, { unavailable: string }> {
  const [h, w, c] = spec.input
  const indices = Array.from({ length: 32 }, (_, i) => i * 701)
  const glyph = new Float32Array(32 * 32)
  const source: ImageSource = {
    shape: spec.input,
    count: glyphs.count,
    write(index, out, offset) {
      glyphs.write(index, glyph, 0)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++)
            out[offset + (y * w + x) * c + ch] = glyph[Math.floor((y * 32) / h) * 32 + Math.floor((x * 32) / w)]
    }
  }
  return { source, indices, description: 'bundled glyphs' }
}

const TFJS_TEST_LIMIT = 12e6
const parameterCount = (weights: Map<string, { values: Float32Array }>): number =>
  [...weights.values()].reduce((n, w) => n + w.values.length, 0)

const provenance: ExportProvenance = {
  runId: 'test-run',
  loss: 'dsoftmax',
  dataset: 'fonts',
  checkpoint: 'final',
  weightsSha256: 'abc'
}

function expectMatch(report: ValidationReport): void {
  const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)
  expect(failed).toEqual([])
  expect(report.comparisons.map((c) => c.batch).sort()).toEqual(['random', 'real'])
  for (const cmp of report.comparisons) {
    expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4)
    expect(cmp.minCosine).toBeGreaterThanOrEqual(0.9999)
  }
  expect(report.ok).toBe(true)
}

describe.each(BACKBONE_NAMES)('export of %s', (name) => {
  it('ONNX and TF.js match the app for random and trained-state weights', async () => {
    const spec = backboneSpec(name, { embeddingDim: 16, inputSize: 20, channels: 1 })
    const real = realImages(spec)
    const random = buildBackbone(spec, createRng(11))
    const randomWeights = await weightsOfBackbone(random)
    try {
      const file = join(dir, `${name}-random.onnx`)
      const exported = await exportOnnx({ file, spec, weights: randomWeights, backbone: random, provenance, real, timingRuns: 0 })
      expectMatch(exported.report)
      const metadata = Object.fromEntries(decodeOnnxModel(readFileSync(file)).metadataProps.map((p) => [p.key, p.value]))
      expect(metadata).toMatchObject({
        input_layout: 'NCHW',
        input_size: `${spec.input[0]}x${spec.input[1]}`,
        embedding_size: String(random.embeddingDim),
        loss: 'dsoftmax',
        dataset: 'fonts',
        run_id: 'test-run',
        l2_normalized: 'false'
      })
      expect(metadata.preprocessing).toContain('(p - 127.5) / 127.5')
    } finally {
      random.dispose()
    }

    const weights = trainedLike(randomWeights, 12)
    const trained = backboneFromWeights(spec, weights)
    try {
      const file = join(dir, `${name}-trained.onnx`)
      const exported = await exportOnnx({
        file,
        spec,
        weights,
        backbone: trained,
        provenance,
        real,
        normalize: true,
        timingRuns: 0
      })
      expectMatch(exported.report)
      // With the L2 option the file itself returns unit vectors.
      const session = await ort.InferenceSession.create(file)
      const batch = nchwBatch(real.source, [0, 701])
      const output = (await session.run({ input: new ort.Tensor('float32', batch.data, batch.dims) })).embedding
      await session.release()
      const dim = output.dims[1]
      for (let r = 0; r < 2; r++) {
        const row = (output.data as Float32Array).subarray(r * dim, (r + 1) * dim)
        expect(Math.hypot(...row)).toBeCloseTo(1, 5)
      }

      // TF.js uses the same layer kinds for every backbone; the deep IR nets (over 12 M weights,
      // 85-120 MB per copy) would triple this file's time without covering anything new.
      if (parameterCount(weights) > TFJS_TEST_LIMIT) return
      const tfjs = await exportTfjs({ dir: join(dir, `${name}-tfjs`), spec, weights, backbone: trained, real, metadata: {} })
      expect(tfjs.comparisons.map((c) => [c.batch, c.ok])).toEqual([
        ['random', true],
        ['real', true]
      ])
      for (const cmp of tfjs.comparisons) expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4)
    } finally {
      trained.dispose()
    }
  }, 300_000)
})
