import { beforeAll, describe, expect, it } from 'vitest'
import { LOSS_NAMES, headLoss, lossFromCosines, resolveLossParams } from '../../../src/core/losses'
import type { LossName, LossParams } from '../../../src/core/losses'
import { centres3, embeddings3, labels3, refParams, testParams } from './fixtures'
import { expectClose, expectMatrixClose, ints, mat, tf, toMatrix, useCpu } from './helpers'
import { cosineMatrix, dot, numericGrad, refLoss } from './reference'
import type { Matrix } from './reference'

beforeAll(useCpu)

const cos = cosineMatrix(embeddings3, centres3)
const sample = [1, 2, 4]

function analyticGrad(name: LossName, params: LossParams, at: Matrix, part: 'loss' | 'intra' | 'inter' = 'loss'): Matrix {
  const g = tf.grad((c: tf.Tensor) => lossFromCosines(name, params, c as tf.Tensor2D, ints(labels3), ints(sample))[part])
  return toMatrix(g(mat(at)))
}

/** Central differences of our own float32 forward pass. */
function forwardFd(name: LossName, params: LossParams, at: Matrix, eps = 1e-3): Matrix {
  const f = (m: Matrix): number =>
    tf.tidy(() => lossFromCosines(name, params, mat(m), ints(labels3), ints(sample)).loss.dataSync()[0])
  return numericGrad(f, at, eps)
}

describe('gradients w.r.t. the cosines', () => {
  for (const name of LOSS_NAMES) {
    const params = testParams[name]
    it(`${name}: matches finite differences of the double-precision reference`, () => {
      const rp = refParams(resolveLossParams(name, params))
      const numeric = numericGrad((m) => refLoss(name, rp, m, labels3, sample).loss, cos)
      expectMatrixClose(analyticGrad(name, params, cos), numeric, 2e-4, name)
    })
    it(`${name}: matches finite differences of its own float32 forward pass`, () => {
      const numeric = forwardFd(name, params, cos)
      const analytic = analyticGrad(name, params, cos)
      // float32 differences: absolute tolerance on the scale of the largest entry
      const scale = Math.max(...analytic.flat().map(Math.abs))
      analytic.forEach((row, i) =>
        row.forEach((v, j) => expect(Math.abs(v - numeric[i][j]), `${name}[${i}][${j}]`).toBeLessThan(5e-3 * scale))
      )
    })
    it(`${name}: intra and inter gradients add up to the total gradient`, () => {
      const total = analyticGrad(name, params, cos, 'loss')
      const intra = analyticGrad(name, params, cos, 'intra')
      const inter = analyticGrad(name, params, cos, 'inter')
      expectMatrixClose(
        intra.map((r, i) => r.map((v, j) => v + inter[i][j])),
        total,
        1e-5,
        name
      )
    })
  }
})

describe('gradients through the head (embeddings and centres)', () => {
  for (const name of LOSS_NAMES) {
    it(`${name}: d loss / d embeddings and d centres match finite differences`, () => {
      const params = testParams[name]
      const rp = refParams(resolveLossParams(name, params))
      const bias = [0.1, -0.2, 0.3, 0, 0.05]
      // Plain softmax: raw logits xWᵀ + b; the others: cosines.
      const logits = (e: Matrix, w: Matrix): Matrix =>
        name === 'softmax' ? e.map((x) => w.map((c, k) => dot(x, c) + bias[k])) : cosineMatrix(e, w)
      const refE = numericGrad((e) => refLoss(name, rp, logits(e, centres3), labels3, sample).loss, embeddings3)
      const refW = numericGrad((w) => refLoss(name, rp, logits(embeddings3, w), labels3, sample).loss, centres3)

      const centres = tf.variable(mat(centres3))
      const weights = name === 'softmax' ? { centres, bias: tf.variable(tf.tensor1d(bias)) } : { centres }
      const ge = tf.grad((e: tf.Tensor) => headLoss(name, params, e as tf.Tensor2D, ints(labels3), weights, ints(sample)).loss)(
        mat(embeddings3)
      )
      expectMatrixClose(toMatrix(ge), refE, 2e-4, `${name} embeddings`)
      const { value, grads } = tf.variableGrads(
        () => headLoss(name, params, mat(embeddings3), ints(labels3), weights, ints(sample)).loss,
        [centres]
      )
      expectMatrixClose(toMatrix(grads[centres.name]), refW, 2e-4, `${name} centres`)
      value.dispose()
      tf.dispose([centres, weights.bias ?? []])
    })
  }
})

describe('ArcFace: full vs detached margin', () => {
  const s = 8
  const m = 0.5
  const full = { s, m, marginGradient: 'full' as const }
  const detached = { s, m, marginGradient: 'detached' as const }
  const B = cos.length

  it('same forward value', () => {
    const value = (params: LossParams): number =>
      tf.tidy(() => lossFromCosines('arcface', params, mat(cos), ints(labels3)).loss.dataSync()[0])
    expect(value(detached)).toBe(value(full))
  })

  it('detached: target gradient is the plain CE one, s·(p_y − 1)/B; full: times dcos(θ+m)/dcos θ', () => {
    const gFull = analyticGrad('arcface', full, cos)
    const gDetached = analyticGrad('arcface', detached, cos)
    cos.forEach((row, i) => {
      const y = labels3[i]
      const z = row[y]
      const t = s * Math.cos(Math.acos(z) + m)
      const denominator = Math.exp(t) + row.reduce((acc, v, k) => (k === y ? acc : acc + Math.exp(s * v)), 0)
      const py = Math.exp(t) / denominator
      const dMargin = Math.cos(m) + (Math.sin(m) * z) / Math.sqrt(1 - z * z)
      expectClose(gDetached[i][y], (s * (py - 1)) / B, 1e-5, `detached row ${i}`)
      expectClose(gFull[i][y], ((s * (py - 1)) / B) * dMargin, 1e-5, `full row ${i}`)
      expect(Math.abs(gFull[i][y] - gDetached[i][y])).toBeGreaterThan(1e-4)
      // The other classes' gradients are identical: s·p_k/B.
      row.forEach((v, k) => {
        if (k === y) return
        expectClose(gDetached[i][k], (s * Math.exp(s * v)) / denominator / B, 1e-5)
        expectClose(gFull[i][k], gDetached[i][k], 1e-6)
      })
    })
  })
})
