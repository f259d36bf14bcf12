// One small spec with every LayerSpec kind in the less common forms the shipped backbones do not
// use: 'valid' padding, odd sizes, conv and dense biases, maxpool, dropout, a flatten whose consumer
// is not a dense layer (the Transpose path), PReLU and batch norm on a flat vector, an identity
// residual. The ONNX file must match the app within 1e-4 on normalized embeddings.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { buildBackbone, type BackboneSpec } from '../../../src/core/models'
import { createRng } from '../../../src/core/util/rng'
import { backboneFromWeights, weightsOfBackbone } from '../../../src/core/export/appModel'
import { exportOnnx } from '../../../src/core/export/exportOnnx'
import { decodeOnnxModel } from '../../../src/core/export/onnxSchema'
import { randomSource } from '../../../src/core/export/validate'
import { trainedLike } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'export-layers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeAll(async () => {
  await initBackend({})
})

const spec: BackboneSpec = {
  family: 'every-layer',
  input: [13, 11, 3],
  layers: [
    { kind: 'conv', name: 'c1', filters: 6, kernel: 3, stride: 2, padding: 'same', bias: true },
    { kind: 'bn', name: 'bn1' },
    { kind: 'prelu', name: 'p1' },
    {
      kind: 'residual',
      name: 'r1',
      body: [{ kind: 'depthwise', name: 'dw', kernel: 3, stride: 1, padding: 'same' }, { kind: 'relu' }],
      shortcut: []
    },
    { kind: 'conv', name: 'c2', filters: 5, kernel: 2, stride: 1, padding: 'valid' },
    { kind: 'maxpool', size: 2, stride: 2 },
    { kind: 'dropout', rate: 0.3 },
    { kind: 'flatten' },
    { kind: 'prelu', name: 'p2' },
    { kind: 'bn', name: 'bn2' },
    { kind: 'dense', name: 'fc', units: 7, bias: true }
  ]
}

describe('every layer kind', () => {
  it('exports to a graph that ONNX Runtime runs like the app', async () => {
    const random = buildBackbone(spec, createRng(3))
    const weights = trainedLike(await weightsOfBackbone(random), 4)
    random.dispose()
    const backbone = backboneFromWeights(spec, weights)
    try {
      const file = join(dir, 'every.onnx')
      const real = {
        source: randomSource(spec.input, 32, 99),
        indices: Array.from({ length: 32 }, (_, i) => i),
        description: 'a second random batch'
      }
      const provenance = { runId: 'r', loss: 'l', dataset: 'd', checkpoint: 'c', weightsSha256: 's' }
      const { report } = await exportOnnx({ file, spec, weights, backbone, provenance, real, timingRuns: 0 })
      expect(report.checks.filter((c) => !c.ok)).toEqual([])
      for (const cmp of report.comparisons) expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4)
      expect(report.ok).toBe(true)
      const ops = decodeOnnxModel(readFileSync(file)).graph.node.map((n) => n.opType)
      expect(ops).toEqual([
        'Conv',
        'BatchNormalization',
        'PRelu',
        'Conv',
        'Relu',
        'Add',
        'Conv',
        'MaxPool',
        'Transpose',
        'Flatten',
        'PRelu',
        'BatchNormalization',
        'Gemm'
      ])
    } finally {
      backbone.dispose()
    }
  })
})
