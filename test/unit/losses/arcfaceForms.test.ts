// ArcFace's three forms where cos(θ + m) is not used, against closed forms: 'continuous' (ours,
// z − (1 − cos m) once θ + m > π), 'insightface' (z − m·sin m there) and 'easy' (the margin only
// while θ < 90°). The fused dense head computes the same forms as the unfused reference.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  arcFaceTargetCosine,
  headLoss,
  lossFromCosines,
  resolveLossParams,
  validateLossParams,
  type LossParams
} from '../../../src/core/losses'
import { normalizeRows } from '../../../src/core/losses/ops'
import { expectClose, tf, useCpu } from './helpers'

beforeAll(useCpu)

const m = 0.5
/** Angles on both sides of 90° and of π − m (≈ 2.64 rad). */
const angles = [0.2, 1.2, 1.65, 2.3, 2.8, 3.1]

function closedForm(form: 'continuous' | 'insightface' | 'easy', theta: number): { value: number; slope: number } {
  const z = Math.cos(theta)
  // d cos(θ + m) / dz = cos m + z·sin m / sin θ.
  const margin = { value: Math.cos(theta + m), slope: Math.cos(m) + (z * Math.sin(m)) / Math.sin(theta) }
  if (form === 'easy') return z > 0 ? margin : { value: z, slope: 1 }
  if (theta + m <= Math.PI) return margin
  return { value: z - (form === 'insightface' ? m * Math.sin(m) : 1 - Math.cos(m)), slope: 1 }
}

describe('ArcFace margin fallback', () => {
  for (const form of ['continuous', 'insightface', 'easy'] as const) {
    it(`${form}: target cosine and its slope match the closed form on both sides of each switch`, () => {
      const params = resolveLossParams('arcface', { s: 8, m, marginFallback: form })
      const z = tf.tensor1d(angles.map(Math.cos))
      const { value, grad } = tf.valueAndGrad((t: tf.Tensor1D) => tf.sum(arcFaceTargetCosine(t, params)))(z)
      const perSample = arcFaceTargetCosine(z, params).dataSync()
      const slopes = grad.dataSync()
      angles.forEach((theta, i) => {
        const want = closedForm(form, theta)
        expectClose(perSample[i], want.value, 1e-5, `${form} value at θ = ${theta}`)
        expectClose(slopes[i], want.slope, 1e-4, `${form} slope at θ = ${theta}`)
      })
      tf.dispose([z, value, grad])
    })
  }

  it('the forms differ where they should: insightface jumps at θ = π − m, continuous meets −1 there', () => {
    const at = Math.cos(Math.PI - m) - 1e-4
    const value = (form: 'continuous' | 'insightface'): number =>
      arcFaceTargetCosine(tf.tensor1d([at]), resolveLossParams('arcface', { m, marginFallback: form })).dataSync()[0]
    expectClose(value('continuous'), -1, 1e-3)
    expectClose(value('insightface'), -1 + (1 - Math.cos(m)) - m * Math.sin(m), 1e-3)
  })

  it('is the default (continuous) and is validated', () => {
    expect(resolveLossParams('arcface', {}).marginFallback).toBe('continuous')
    expect(validateLossParams('arcface', { marginFallback: 'sometimes' as 'easy' }).join(' ')).toMatch(
      /marginFallback must be one of 'continuous', 'insightface', 'easy' \(got "sometimes"\)/
    )
  })

  for (const form of ['insightface', 'easy'] as const) {
    it(`the fused dense head computes the ${form} form like the reference over explicit cosines (value and gradient)`, () => {
      const params: LossParams = { s: 8, m, marginFallback: form }
      // Centres pointing away from some samples' own class, so targets fall past both switches.
      const x = tf.variable(
        tf.tensor2d([
          [1, 0.1, 0],
          [-1, 0.2, 0.1],
          [0.1, 1, 0],
          [0.3, -1, 0.2],
          [-0.9, -0.1, 0.3]
        ])
      )
      const w = tf.variable(
        tf.tensor2d([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [-1, 0, 0]
        ])
      )
      const labels = tf.tensor1d([0, 0, 3, 1, 2], 'int32')
      const run = (fused: boolean): { loss: number; grads: Float32Array[] } => {
        const { value, grads } = tf.variableGrads(() =>
          fused
            ? headLoss('arcface', params, x, labels, { centres: w }).loss
            : lossFromCosines('arcface', params, tf.matMul(normalizeRows(x), normalizeRows(w), false, true), labels).loss
        )
        const out = {
          loss: value.dataSync()[0],
          grads: [grads[x.name].dataSync() as Float32Array, grads[w.name].dataSync() as Float32Array]
        }
        tf.dispose([value, ...Object.values(grads)])
        return out
      }
      const fused = run(true)
      const reference = run(false)
      expectClose(fused.loss, reference.loss, 1e-5, 'loss')
      fused.grads.forEach((g, k) => g.forEach((v, i) => expectClose(v, reference.grads[k][i], 1e-4, `grad ${k}[${i}]`)))
      tf.dispose([x, w, labels])
    })
  }
})
