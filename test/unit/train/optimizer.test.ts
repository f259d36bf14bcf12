// Optimizers against their update rules written out in float64 (PyTorch's formulations), plus the
// class-centre group, gradient clipping and a state round trip.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import '@tensorflow/tfjs-backend-cpu'
import { tf } from '../../../src/core/tf'
import {
  AdamOptimizer,
  SgdOptimizer,
  createOptimizer,
  validateOptimizerConfig,
  type OptimizerConfig
} from '../../../src/core/train/optimizer'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const created: tf.Variable[] = []
afterEach(() => created.splice(0).forEach((v) => v.dispose()))
const variable = (values: number[]): tf.Variable => {
  const v = tf.variable(tf.tensor1d(values))
  created.push(v)
  return v
}
const values = (v: tf.Tensor): number[] => Array.from(v.dataSync())

/** Reference Adam/AdamW on plain numbers, float64. */
function adamReference(
  w: number[],
  grads: number[][],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean }
): number[] {
  const m = w.map(() => 0)
  const v = w.map(() => 0)
  let x = [...w]
  grads.forEach((g, step) => {
    const t = step + 1
    x = x.map((xi, i) => {
      const gi = o.decoupled ? g[i] : g[i] + o.wd * xi
      m[i] = o.b1 * m[i] + (1 - o.b1) * gi
      v[i] = o.b2 * v[i] + (1 - o.b2) * gi * gi
      const mHat = m[i] / (1 - o.b1 ** t)
      const vHat = v[i] / (1 - o.b2 ** t)
      return xi - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps) - (o.decoupled ? o.lr * o.wd * xi : 0)
    })
  })
  return x
}

describe('SGD with momentum and weight decay', () => {
  it('matches the closed-form recursion v ← μv + g + λw, w ← w − ηv for two steps', () => {
    const w = variable([1, -2])
    const b = variable([3])
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

  it('Nesterov steps along g + μ·v', () => {
    const w = variable([1])
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0 }, [
      { name: 'w', variable: w, decay: true }
    ])
    const g = { [w.name]: tf.tensor1d([1]) }
    opt.step(g, 0.1) // v1 = 1, w1 = 1 − 0.1·(1 + 0.9) = 0.81
    opt.step(g, 0.1) // v2 = 1.9, w2 = 0.81 − 0.1·(1 + 1.71) = 0.539
    expect(w.dataSync()[0]).toBeCloseTo(0.539, 6)
    opt.dispose()
  })

  it('gives the class centres their own learning-rate factor and weight decay', () => {
    const kernel = variable([1])
    const centres = variable([1])
    const opt = createOptimizer(
      { kind: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0.1, centres: { lrFactor: 10, weightDecay: 0 } },
      [
        { name: 'kernel', variable: kernel, decay: true },
        { name: 'head/centres', variable: centres, decay: true, group: 'centres' }
      ]
    )
    opt.step({ [kernel.name]: tf.tensor1d([1]), [centres.name]: tf.tensor1d([1]) }, 0.1)
    expect(kernel.dataSync()[0]).toBeCloseTo(1 - 0.1 * (1 + 0.1), 6)
    expect(centres.dataSync()[0]).toBeCloseTo(1 - 1.0 * 1, 6)
    opt.dispose()
  })

  it('clips the gradient to the global L2 norm', async () => {
    const a = variable([0, 0])
    const b = variable([0])
    const opt = createOptimizer({ kind: 'sgd', lr: 1, momentum: 0, weightDecay: 0, clipNorm: 1 }, [
      { name: 'a', variable: a, decay: false },
      { name: 'b', variable: b, decay: false }
    ])
    // Global norm of (3, 0, 4) is 5: the step is the gradient scaled by 1/5.
    opt.step({ [a.name]: tf.tensor1d([3, 0]), [b.name]: tf.tensor1d([4]) }, 1)
    expect(await opt.lastGradNorm()).toBeCloseTo(5, 6)
    expect(values(a)).toEqual([expect.closeTo(-0.6, 6), 0])
    expect(b.dataSync()[0]).toBeCloseTo(-0.8, 6)
    // Under the limit nothing changes.
    opt.step({ [a.name]: tf.tensor1d([0.3, 0]), [b.name]: tf.tensor1d([0.4]) }, 1)
    expect(b.dataSync()[0]).toBeCloseTo(-1.2, 6)
    opt.dispose()
  })
})

describe('Adam and AdamW', () => {
  const grads = [
    [0.5, -1],
    [0.2, 0.3],
    [-0.4, 1.5]
  ]
  for (const kind of ['adam', 'adamw'] as const) {
    it(`${kind} follows the bias-corrected update for three steps`, () => {
      const w = variable([1, -2])
      const config: OptimizerConfig = { kind, lr: 0.01, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
      const opt = createOptimizer(config, [{ name: 'w', variable: w, decay: true }])
      for (const g of grads) opt.step({ [w.name]: tf.tensor1d(g) }, 0.01)
      const expected = adamReference([1, -2], grads, {
        lr: 0.01,
        b1: 0.9,
        b2: 0.999,
        eps: 1e-8,
        wd: 0.1,
        decoupled: kind === 'adamw'
      })
      values(w).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5))
      opt.dispose()
    })
  }

  it('AdamW and Adam differ when weight decay is on (decoupled vs L2)', () => {
    const a = variable([1])
    const b = variable([1])
    const adam = createOptimizer({ kind: 'adam', lr: 0.1, weightDecay: 0.5 }, [{ name: 'w', variable: a, decay: true }])
    const adamw = createOptimizer({ kind: 'adamw', lr: 0.1, weightDecay: 0.5 }, [{ name: 'w', variable: b, decay: true }])
    adam.step({ [a.name]: tf.tensor1d([0.1]) }, 0.1)
    adamw.step({ [b.name]: tf.tensor1d([0.1]) }, 0.1)
    // First Adam step moves by lr·sign(g) whatever the size of g: 1 − 0.1; AdamW also decays by lr·λ·w.
    expect(a.dataSync()[0]).toBeCloseTo(0.9, 5)
    expect(b.dataSync()[0]).toBeCloseTo(0.9 - 0.05, 5)
    adam.dispose()
    adamw.dispose()
  })
})

describe('optimizer state', () => {
  it('a reloaded optimizer continues exactly like the original (Adam moments and step count)', () => {
    const w1 = variable([1, 2])
    const w2 = variable([1, 2])
    const config: OptimizerConfig = { kind: 'adam', lr: 0.05, weightDecay: 0 }
    const first = new AdamOptimizer(config, [{ name: 'w', variable: w1, decay: false }])
    first.step({ [w1.name]: tf.tensor1d([1, -1]) }, 0.05)
    first.step({ [w1.name]: tf.tensor1d([0.5, 2]) }, 0.05)
    const saved = first.state()
    const tensors = new Map(saved.tensors.map((t) => [t.name, Float32Array.from('tensor' in t ? t.tensor.dataSync() : t.values)]))
    const second = new AdamOptimizer(config, [{ name: 'w', variable: w2, decay: false }])
    w2.assign(w1)
    second.load(tensors, saved.scalars)
    expect(saved.scalars['adam/t']).toBe(2)
    first.step({ [w1.name]: tf.tensor1d([-0.3, 0.7]) }, 0.05)
    second.step({ [w2.name]: tf.tensor1d([-0.3, 0.7]) }, 0.05)
    expect(values(w2)).toEqual(values(w1))
    first.dispose()
    second.dispose()
  })

  it('refuses state of the wrong size, naming the tensor', () => {
    const w = variable([1, 2])
    const opt = new SgdOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 }, [
      { name: 'w', variable: w, decay: false }
    ])
    expect(() => opt.load(new Map([['sgd/velocity/w', new Float32Array(3)]]))).toThrow(/sgd\/velocity\/w.*3 values, expected 2/)
    expect(() => opt.load(new Map())).toThrow(/no "sgd\/velocity\/w"/)
    opt.dispose()
  })

  it('validation names each bad knob', () => {
    expect(validateOptimizerConfig({ kind: 'sgd', lr: 0.1, momentum: 1.2, weightDecay: -1, clipNorm: -2 })).toEqual([
      'weight decay must be ≥ 0, got -1',
      'gradient clipping norm must be ≥ 0, got -2',
      'momentum must be in [0, 1), got 1.2'
    ])
    expect(validateOptimizerConfig({ kind: 'adamw', lr: 0.1, weightDecay: 0, beta2: 1 })).toEqual([
      'Adam beta2 must be in [0, 1), got 1'
    ])
  })
})
