// The fused dense head (closed-form gradient) against the unfused reference: automatic
// differentiation of lossFromCosines over the explicitly normalised cosine matrix (its memory is
// measured in denseHeadMemory.test.ts).
import { beforeAll, describe, expect, it } from 'vitest'
import { headLoss, lossFromCosines, type LossName, type LossParams } from '../../../src/core/losses'
import { normalizeRows } from '../../../src/core/losses/ops'
import { expectClose, tf, useCpu } from './helpers'

beforeAll(useCpu)

const CASES: [LossName, LossParams][] = [
  ['softmax', {}],
  ['normface', { s: 8 }],
  ['cosface', { s: 8, m: 0.3 }],
  ['arcface', { s: 8, m: 0.5 }],
  ['arcface', { s: 8, m: 0.5, marginGradient: 'detached' }],
  ['sphereface', { s: 8, m: 3, lambda: 2 }],
  ['dsoftmax', { s: 8, d: 0.7 }]
]

interface Outcome {
  values: number[]
  grads: Float32Array[]
}

function outcome(name: LossName, params: LossParams, fused: boolean): Outcome {
  const batch = 7
  const classes = 11
  const dim = 5
  const x = tf.variable(tf.randomNormal([batch, dim], 0, 1, 'float32', 1))
  // Some rows scaled up, one centre nearly aligned with its sample: margins and norms matter.
  const w = tf.variable(
    tf.mul(
      tf.randomNormal([classes, dim], 0, 1, 'float32', 2),
      tf.reshape(tf.linspace(0.5, 3, classes), [classes, 1])
    ) as tf.Tensor2D
  )
  const bias = name === 'softmax' ? tf.variable(tf.randomNormal([classes], 0, 0.5, 'float32', 3)) : undefined
  const labels = tf.tensor1d([0, 3, 3, 10, 5, 1, 7], 'int32')
  const variables = [x, w, ...(bias ? [bias] : [])]
  let parts: number[] = []
  const { value, grads } = tf.variableGrads(() => {
    // The embeddings are an intermediate, as a backbone's are: freed before gradients run.
    const embeddings = tf.mul(x, 1) as tf.Tensor2D
    const p = fused
      ? headLoss(name, params, embeddings, labels, { centres: w, bias })
      : (() => {
          const cosines =
            name === 'softmax'
              ? (tf.add(tf.matMul(embeddings, w, false, true), bias as tf.Tensor) as tf.Tensor2D)
              : (tf.matMul(normalizeRows(embeddings), normalizeRows(w as tf.Tensor2D), false, true) as tf.Tensor2D)
          return lossFromCosines(name, params, cosines, labels)
        })()
    parts = [p.intra.dataSync()[0], p.inter.dataSync()[0]]
    return p.loss
  }, variables)
  const result = {
    values: [value.dataSync()[0], ...parts],
    grads: variables.map((v) => grads[v.name].dataSync() as Float32Array)
  }
  tf.dispose([value, labels, ...Object.values(grads), ...variables])
  return result
}

describe('the fused dense head equals automatic differentiation of lossFromCosines', () => {
  for (const [name, params] of CASES) {
    it(`${name} ${JSON.stringify(params)}: loss, intra, inter and the gradients of x, W (and b)`, () => {
      const want = outcome(name, params, false)
      const got = outcome(name, params, true)
      got.values.forEach((v, i) => expectClose(v, want.values[i], 2e-5, ['loss', 'intra', 'inter'][i]))
      expect(got.grads.length).toBe(want.grads.length)
      got.grads.forEach((g, k) => {
        const scale = Math.max(...Array.from(want.grads[k], Math.abs))
        expect(scale).toBeGreaterThan(0)
        g.forEach((v, i) => expect(Math.abs(v - want.grads[k][i]), `grad ${k}[${i}]`).toBeLessThanOrEqual(2e-4 * scale))
      })
    })
  }
})
