import { beforeAll, describe, expect, it } from 'vitest'
import '@tensorflow/tfjs-backend-cpu'
import { tf } from '../../../src/core/tf'
import { SgdOptimizer } from '../../../src/core/train/optimizer'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('SGD with momentum and weight decay', () => {
  it('matches the closed-form recursion v ← μv + g + λw, w ← w − ηv for two steps', () => {
    const w = tf.variable(tf.tensor1d([1, -2]))
    const b = tf.variable(tf.tensor1d([3]))
    const opt = new SgdOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, [
      { name: 'w', variable: w, decay: true },
      { name: 'b', variable: b, decay: false }
    ])
    const grads = { [w.name]: tf.tensor1d([0.5, 0.5]), [b.name]: tf.tensor1d([1]) }
    opt.step(grads, 0.1)
    opt.step(grads, 0.1)
    // Hand computation for w[0]: v1 = 0.5 + 0.01·1 = 0.51, w1 = 1 − 0.051 = 0.949;
    // v2 = 0.9·0.51 + 0.5 + 0.01·0.949 = 0.96849, w2 = 0.949 − 0.096849.
    expect(w.dataSync()[0]).toBeCloseTo(0.949 - 0.096849, 6)
    // b has no decay: v1 = 1, b1 = 2.9; v2 = 1.9, b2 = 2.71.
    expect(b.dataSync()[0]).toBeCloseTo(2.71, 6)
    opt.dispose()
  })
})
