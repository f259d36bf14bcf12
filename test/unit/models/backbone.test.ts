import { beforeAll, describe, expect, it } from 'vitest'
import '@tensorflow/tfjs-backend-cpu'
import { tf } from '../../../src/core/tf'
import { applyStatUpdates, buildBackbone, faceResNet, glyphCnn, referenceNet, type StatUpdate } from '../../../src/core/models'
import { createRng } from '../../../src/core/util/rng'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('backbones', () => {
  it('counts the reference model at about 45 M MAC per image, layer by layer', () => {
    const model = buildBackbone(referenceNet(), createRng(1))
    // Independent count: output pixels × kernel volume × filters for each conv, plus the dense layer.
    const convs: [number, number, number][] = [
      [64 * 64, 27, 16],
      [32 * 32, 9 * 16, 32],
      [32 * 32, 9 * 32, 32],
      [16 * 16, 9 * 32, 64],
      [16 * 16, 9 * 64, 64],
      [8 * 8, 9 * 64, 128],
      [8 * 8, 9 * 128, 128]
    ]
    const expected = convs.reduce((n, [px, k, f]) => n + px * k * f, 0) + 8 * 8 * 128 * 128
    expect(model.macsPerImage).toBe(expected)
    expect(expected / 1e6).toBeCloseTo(45.2, 0)
    model.dispose()
  })

  it('the glyph CNN maps 32×32×1 to the embedding size with ~2.3 M MAC', () => {
    const model = buildBackbone(glyphCnn({ embeddingDim: 16 }), createRng(1))
    const out = model.apply(tf.zeros([3, 32, 32, 1]) as tf.Tensor4D, { training: false })
    expect(out.shape).toEqual([3, 16])
    expect(model.macsPerImage).toBeGreaterThan(2e6)
    expect(model.macsPerImage).toBeLessThan(2.5e6)
    model.dispose()
  })

  it('the face ResNet maps 112×112×3 to the embedding and its residual shapes agree', () => {
    const model = buildBackbone(faceResNet({ embeddingDim: 32, blocks: [1, 1], widths: [8, 16] }), createRng(2))
    const out = model.apply(tf.randomNormal([2, 112, 112, 3]) as tf.Tensor4D, { training: false })
    expect(out.shape).toEqual([2, 32])
    expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true)
    model.dispose()
  })

  it('is deterministic for a seed', () => {
    const a = buildBackbone(glyphCnn({ embeddingDim: 8 }), createRng(5))
    const b = buildBackbone(glyphCnn({ embeddingDim: 8 }), createRng(5))
    a.params.forEach((p, i) => expect(Array.from(p.variable.dataSync())).toEqual(Array.from(b.params[i].variable.dataSync())))
    a.dispose()
    b.dispose()
  })

  it('batch norm normalizes with batch statistics in training and tracks running statistics', () => {
    const spec = {
      family: 'bn-only',
      input: [1, 1, 2] as [number, number, number],
      layers: [{ kind: 'bn' as const, name: 'bn' }, { kind: 'flatten' as const }]
    }
    const model = buildBackbone(spec, createRng(1))
    const x = tf.tensor4d([1, 10, 3, 20, 5, 30, 7, 40], [4, 1, 1, 2])
    const updates: StatUpdate[] = []
    const y = model.apply(x, { training: true, statUpdates: updates }).arraySync() as number[][]
    // Channel 0 holds 1,3,5,7: mean 4, population variance 5.
    expect(y.map((r) => r[0])).toEqual([-3, -1, 1, 3].map((v) => expect.closeTo(v / Math.sqrt(5 + 1e-5), 5)))
    applyStatUpdates(updates)
    const mean = model.params.find((p) => p.name === 'bn/mean')?.variable.dataSync() as Float32Array
    const variance = model.params.find((p) => p.name === 'bn/variance')?.variable.dataSync() as Float32Array
    expect(mean[0]).toBeCloseTo(0.1 * 4, 5) // momentum 0.9 from 0
    expect(variance[0]).toBeCloseTo(0.9 + 0.1 * (20 / 3), 5) // unbiased variance 20/3
    // Inference uses the running statistics.
    const inference = model.apply(tf.tensor4d([4, 25], [1, 1, 1, 2]), { training: false }).dataSync()
    expect(inference[0]).toBeCloseTo((4 - mean[0]) / Math.sqrt(variance[0] + 1e-5), 4)
    model.dispose()
  })
})
