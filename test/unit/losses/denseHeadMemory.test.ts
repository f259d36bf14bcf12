// Memory of a fused dense head step on wasm, the backend whose heap stops at 4 GiB: a few
// [batch, classes] buffers and at most two [classes, dim] ones (the centres' gradient and one
// temporary), where the unfused graph keeps ~26 of the former. On wasm a tensor saved for backprop
// is a copy, so what the op saves is part of what is measured.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { headLoss, lossFromCosines, type LossName, type LossParams } from '../../../src/core/losses'
import { normalizeRows } from '../../../src/core/losses/ops'
import { tf } from '../../../src/core/tf'

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('memory of a dense step', () => {
  // A [batch, classes] buffer is 1.5 MiB here, a [classes, dim] one 0.75 MiB.
  const batch = 64
  const classes = 6000
  const dim = 32
  for (const [name, params] of [
    ['softmax', {}],
    ['arcface', { s: 30, m: 0.5 }],
    ['dsoftmax', { s: 30, d: 0.9 }]
  ] as [LossName, LossParams][]) {
    it(`${name}: forward + backward peak within 5 [batch, classes] and 2 [classes, dim] buffers`, async () => {
      const x = tf.variable(tf.randomNormal([batch, dim], 0, 1, 'float32', 4))
      const w = tf.variable(tf.randomNormal([classes, dim], 0, 1, 'float32', 5))
      const bias = name === 'softmax' ? tf.variable(tf.zeros([classes])) : undefined
      const labels = tf.tensor1d(
        Int32Array.from({ length: batch }, (_, i) => (i * 97) % classes),
        'int32'
      )
      const measure = async (fused: boolean): Promise<number> => {
        const before = tf.memory().numBytes
        const profile = await tf.profile(() => {
          const { value, grads } = tf.variableGrads(() => {
            if (fused) return headLoss(name, params, x as tf.Tensor2D, labels, { centres: w, bias }).loss
            const cosines =
              name === 'softmax'
                ? (tf.add(tf.matMul(x, w, false, true), bias as tf.Tensor) as tf.Tensor2D)
                : (tf.matMul(normalizeRows(x as tf.Tensor2D), normalizeRows(w as tf.Tensor2D), false, true) as tf.Tensor2D)
            return lossFromCosines(name, params, cosines, labels).loss
          }, [x, w, ...(bias ? [bias] : [])])
          tf.dispose([value, ...Object.values(grads)])
        })
        return profile.peakBytes - before
      }
      const unit = batch * classes * 4
      const rows = classes * dim * 4
      const fusedPeak = await measure(true)
      const unfusedPeak = await measure(false)
      expect(fusedPeak).toBeLessThanOrEqual(5 * unit + 2 * rows)
      // The reference keeps many more alive: the fused op is what brings the step down.
      expect(unfusedPeak).toBeGreaterThan(10 * unit)
      tf.dispose([x, w, labels, ...(bias ? [bias] : [])])
    })
  }
})
