// The sparse centre store against a dense SGD written out in float64 (every row, every step, zero
// gradient where a row is not touched), against the engine's dense SgdOptimizer, and its promise
// that a step reads and writes only the rows it touches.
import { beforeAll, describe, expect, it } from 'vitest'
import { CentreStore, type CentreStoreConfig } from '../../../src/core/losses'
import { SgdOptimizer } from '../../../src/core/train/optimizer'
import { createRng } from '../../../src/core/util/rng'
import { tf, useCpu } from './helpers'

beforeAll(useCpu)

interface Step {
  rows: Int32Array
  grads: Float32Array
  lr: number
}

/** Random steps: each touches a random subset of rows (sometimes none), each at its own rate. */
function randomSteps(classes: number, dim: number, count: number, seed: number): Step[] {
  const rng = createRng(seed)
  return Array.from({ length: count }, (_, t) => {
    const picked = new Set<number>()
    const n = t % 5 === 3 ? 0 : 1 + rng.int(Math.max(1, classes >> 1))
    while (picked.size < n) picked.add(rng.int(classes))
    const rows = Int32Array.from(picked)
    return { rows, grads: Float32Array.from({ length: rows.length * dim }, () => rng.normal()), lr: 0.05 + 0.1 * rng.next() }
  })
}

/** Dense SGD in float64 over every row: v ← μv + g + λw; w ← w − η·(v or g + λw + μv). */
function denseReference(
  init: Float32Array,
  dim: number,
  steps: Step[],
  config: CentreStoreConfig
): { w: Float64Array; v: Float64Array } {
  const w = Float64Array.from(init)
  const v = new Float64Array(init.length)
  const { momentum: mu, weightDecay: lambda, nesterov } = config
  for (const step of steps) {
    const g = new Float64Array(init.length)
    step.rows.forEach((row, r) => {
      for (let j = 0; j < dim; j++) g[row * dim + j] = step.grads[r * dim + j]
    })
    for (let i = 0; i < w.length; i++) {
      const gd = g[i] + lambda * w[i]
      v[i] = mu * v[i] + gd
      w[i] -= step.lr * (nesterov ? gd + mu * v[i] : v[i])
    }
  }
  return { w, v }
}

function expectArrayClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])))
  expect(worst, `${what}: largest relative difference`).toBeLessThanOrEqual(tol)
}

const base = { classes: 12, dim: 5, seed: 3, momentum: 0.9, weightDecay: 0.01 }

describe('CentreStore', () => {
  const variants = [
    { momentum: 0.9, nesterov: false },
    { momentum: 0, nesterov: false },
    { momentum: 0.9, nesterov: true }
  ]
  for (const { momentum, nesterov } of variants) {
    it(`lazy updates equal dense SGD (momentum ${momentum}${nesterov ? ', Nesterov' : ''}) whatever rows each step touches`, () => {
      const config = { ...base, momentum, nesterov }
      const init = new CentreStore(config).values()
      const store = new CentreStore(config)
      const steps = randomSteps(config.classes, config.dim, 40, 11)
      // Reads mid-run see the dense optimizer's current values too.
      steps.forEach((step, t) => {
        store.update({ classes: step.rows, grads: step.grads }, step.lr)
        if (t === 17) {
          const probe = Int32Array.of(0, 7, 7, 3)
          const ref = denseReference(init, config.dim, steps.slice(0, t + 1), config).w
          const got = store.gather(probe)
          probe.forEach((row, r) =>
            expectArrayClose(
              got.subarray(r * 5, r * 5 + 5),
              ref.subarray(row * 5, row * 5 + 5),
              1e-5,
              `row ${row} after step ${t + 1}`
            )
          )
        }
      })
      const ref = denseReference(init, config.dim, steps, config)
      const state = store.state()
      expectArrayClose(state.centres, ref.w, 1e-5, 'centres')
      expectArrayClose(state.momentum, ref.v, 1e-5, 'momentum')
      expect(Array.from(state.lastStep)).toEqual(new Array(config.classes).fill(40))
      expect(Array.from(state.step)).toEqual([40])
    })
  }

  it('equals the engine SgdOptimizer on a dense tf.Variable when every row is touched every step', () => {
    const config = { ...base, nesterov: false }
    const store = new CentreStore(config)
    const variable = tf.variable(tf.tensor2d(store.values(), [base.classes, base.dim]))
    const optimizer = new SgdOptimizer({ kind: 'sgd', lr: 0.1, momentum: base.momentum, weightDecay: base.weightDecay }, [
      { name: 'c', variable, decay: true }
    ])
    const all = Int32Array.from({ length: base.classes }, (_, i) => i)
    const rng = createRng(2)
    for (let t = 0; t < 15; t++) {
      const grads = Float32Array.from({ length: base.classes * base.dim }, () => rng.normal())
      const lr = 0.02 * (t + 1)
      store.update({ classes: all, grads }, lr)
      const g = tf.tensor2d(grads, [base.classes, base.dim])
      optimizer.step({ [variable.name]: g }, lr)
      g.dispose()
    }
    expectArrayClose(store.values(), variable.dataSync(), 1e-5, 'centres')
    optimizer.dispose()
    variable.dispose()
  })

  it('a step reads and writes only the rows it touches, even with a million classes', () => {
    const store = new CentreStore({ classes: 1_000_000, dim: 16, seed: 1, momentum: 0.9, weightDecay: 5e-4 })
    const rng = createRng(4)
    for (let t = 0; t < 5; t++) {
      store.counters.rowsRead = 0
      store.counters.rowsWritten = 0
      const rows = Int32Array.from(new Set(Array.from({ length: 50 }, () => rng.int(1_000_000))))
      const gathered = store.gather(rows)
      expect(gathered.length).toBe(rows.length * 16)
      store.update({ classes: rows, grads: new Float32Array(rows.length * 16).fill(0.1) }, 0.1)
      // gather: read + catch-up write per row; update: read + write per row.
      expect(store.counters.rowsRead).toBe(2 * rows.length)
      expect(store.counters.rowsWritten).toBeLessThanOrEqual(2 * rows.length)
    }
    expect(store.bytesPerIdentity).toBe(2 * 16 * 4 + 4)
  })

  it('float16 storage halves the bytes and stays within half precision of float32', () => {
    const steps = randomSteps(base.classes, base.dim, 30, 8)
    const run = (storage: 'float32' | 'float16'): Float32Array => {
      const store = new CentreStore({ ...base, storage })
      for (const s of steps) store.update({ classes: s.rows, grads: s.grads }, s.lr)
      expect(store.bytesPerIdentity).toBe(2 * base.dim * (storage === 'float16' ? 2 : 4) + 4)
      return store.values()
    }
    const full = run('float32')
    const half = run('float16')
    // 11-bit significands over 30 steps: a few units of 2^-11 relative.
    expectArrayClose(half, full, 2e-2, 'float16 vs float32')
    expect(Array.from(half)).not.toEqual(Array.from(full))
  })

  it('state() and load() round-trip: a restored store continues exactly like the original', () => {
    const steps = randomSteps(base.classes, base.dim, 20, 9)
    const a = new CentreStore(base)
    steps.slice(0, 10).forEach((s) => a.update({ classes: s.rows, grads: s.grads }, s.lr))
    const b = new CentreStore({ ...base, seed: 99 })
    b.load(a.state())
    steps.slice(10).forEach((s) => {
      a.update({ classes: s.rows, grads: s.grads }, s.lr)
      b.update({ classes: s.rows, grads: s.grads }, s.lr)
    })
    expect(Array.from(b.values())).toEqual(Array.from(a.values()))
    expect(b.step).toBe(20)
  })

  it('refuses bad input with messages that say what is wrong', () => {
    const store = new CentreStore(base)
    expect(() => store.gather([12])).toThrow(/row 12 is not a class index in \[0, 12\)/)
    expect(() => store.update({ classes: Int32Array.of(1, 1), grads: new Float32Array(10) }, 0.1)).toThrow(/class 1 twice/)
    expect(() => store.update({ classes: Int32Array.of(1), grads: new Float32Array(4) }, 0.1)).toThrow(/need 5 values, got 4/)
    const state = store.state()
    expect(() => new CentreStore({ ...base, classes: 11 }).load(state)).toThrow(/centres has 60 values, expected 55/)
    expect(() => store.load({ ...state, lastStep: new Int32Array(12).fill(3) })).toThrow(/row 0 was last updated at step 3/)
    expect(() => new CentreStore({ ...base, momentum: 1 })).toThrow(/momentum/)
  })
})
