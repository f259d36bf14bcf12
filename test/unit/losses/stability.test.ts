import { beforeAll, describe, expect, it } from 'vitest'
import { LOSS_NAMES, createHeadWeights, headLoss, lossFromCosines } from '../../../src/core/losses'
import type { LossName, LossParams } from '../../../src/core/losses'
import { expectAllFinite, expectClose, ints, mat, read, tf, useCpu } from './helpers'

beforeAll(useCpu)

// Cosines exactly ±1 in every combination of target and other columns.
const extremes = [
  [1, -1, -1, 1],
  [-1, 1, 1, -1],
  [1, 1, 1, 1],
  [-1, -1, -1, -1],
  [1, -1, 0, 1]
]
const labels = [0, 0, 2, 3, 1]

const variants: [LossName, LossParams][] = [
  ...LOSS_NAMES.map((name): [LossName, LossParams] => [name, name === 'softmax' ? {} : { s: 64 }]),
  ['softmax', {}],
  ['arcface', { s: 64, m: 0.5, marginGradient: 'detached' }],
  ['arcface', { s: 64, m: 1.2 }],
  ['sphereface', { s: 64, m: 4, lambda: 0 }],
  ['sphereface', { s: 64, m: 1, lambda: 0 }],
  ['dsoftmax-k', { s: 64, count: 2 }]
]

describe('stability at s = 64 with cosines exactly ±1', () => {
  for (const [name, params] of variants) {
    it(`${name} ${JSON.stringify(params)}: finite loss, parts and gradient`, () => {
      // Plain softmax: logits of ±64 are its version of the extreme.
      const input = name === 'softmax' ? extremes.map((r) => r.map((v) => 64 * v)) : extremes
      const sample = ints([0, 1, 3])
      const parts = read(lossFromCosines(name, params, mat(input), ints(labels), sample))
      expectAllFinite([parts.loss, parts.intra, parts.inter], 'parts')
      expect(parts.loss).toBeGreaterThanOrEqual(0)
      const g = tf.grad((c: tf.Tensor) => lossFromCosines(name, params, c as tf.Tensor2D, ints(labels), sample).loss)(mat(input))
      expectAllFinite(g.dataSync(), 'gradient')
      g.dispose()
    })
  }

  it('NormFace in the worst case is s·2 + log(C − 1), without overflow', () => {
    const r = read(lossFromCosines('normface', { s: 64 }, mat([[-1, 1, 1, 1]]), ints([0])))
    expectClose(r.loss, 128 + Math.log(3), 1e-6)
  })
  it('D-Softmax in the worst case: softplus(s(d + 1)) + log(1 + 3e^s)', () => {
    const r = read(lossFromCosines('dsoftmax', { s: 64, d: 0.9 }, mat([[-1, 1, 1, 1]]), ints([0])))
    expectClose(r.intra, 64 * 1.9, 1e-6)
    expectClose(r.inter, 64 + Math.log(3), 1e-6)
  })
})

describe('stability through the head', () => {
  for (const name of LOSS_NAMES) {
    it(`${name}: embeddings on, opposite to and at zero from their centres give finite gradients`, () => {
      const weights = createHeadWeights(name, 4, 3, 11)
      const w = weights.centres.arraySync() as number[][]
      // Row 0 equals its centre, row 1 is its exact opposite, row 2 is the zero vector.
      const embeddings = mat([w[0].map((v) => v * 3), w[1].map((v) => -v), [0, 0, 0]])
      const params = name === 'softmax' ? {} : { s: 64 }
      const { value, grads } = tf.variableGrads(
        () => headLoss(name, params, embeddings, ints([0, 1, 2]), weights, ints([1, 2])).loss
      )
      expectAllFinite(value.dataSync(), 'loss')
      for (const g of Object.values(grads)) expectAllFinite(g.dataSync(), 'gradient')
      const ge = tf.grad((e: tf.Tensor) => headLoss(name, params, e as tf.Tensor2D, ints([0, 1, 2]), weights, ints([1, 2])).loss)(
        embeddings
      )
      expectAllFinite(ge.dataSync(), 'embedding gradient')
      tf.dispose([value, ge, embeddings, weights.centres, weights.bias ?? [], ...Object.values(grads)])
    })
  }
})

describe('margin derivatives at the ends of the cosine range', () => {
  const targetGrad = (name: LossName, params: LossParams, z: number): number => {
    // One row, a single far-away other class: d loss / d z_y = s·(p_y − 1)·d target / d z.
    const g = tf.grad((c: tf.Tensor) => lossFromCosines(name, params, c as tf.Tensor2D, ints([0])).intra)(mat([[z, -1]]))
    const out = g.dataSync()[0]
    g.dispose()
    return out
  }
  it('SphereFace at cos θ = 1: dψ/dz = m² exactly (Chebyshev form, no acos)', () => {
    // intra = softplus(−s·ψ); at z = 1, ψ = 1: d intra / dz = −s·σ(−s)·m²
    const s = 2
    const want = -s * (1 / (1 + Math.exp(s))) * 16
    expectClose(targetGrad('sphereface', { s, m: 4, lambda: 0 }, 1), want, 1e-5)
  })
  it('ArcFace (full) at cos θ = 1: finite, carried by the z·cos m term', () => {
    const s = 2
    const m = 0.5
    const t = s * Math.cos(m)
    const want = -s * (1 / (1 + Math.exp(t))) * Math.cos(m)
    expectClose(targetGrad('arcface', { s, m }, 1), want, 1e-5)
    expect(Number.isFinite(targetGrad('arcface', { s: 64, m }, -1))).toBe(true)
  })
})
