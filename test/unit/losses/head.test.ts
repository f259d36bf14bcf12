import { beforeAll, describe, expect, it } from 'vitest'
import {
  LOSS_NAMES,
  createHeadWeights,
  headLoss,
  keepParts,
  lossFromCosines,
  planRows,
  rowsLoss,
  seededRng
} from '../../../src/core/losses'
import type { LossName, LossParts } from '../../../src/core/losses'
import { centres3, embeddings3, labels3, testParams } from './fixtures'
import { expectClose, expectMatrixClose, ints, mat, read, tf, toMatrix, useCpu } from './helpers'
import { cosineMatrix, dot } from './reference'

beforeAll(useCpu)

describe('createHeadWeights', () => {
  it('shapes, a bias for plain softmax only, determinism per seed', () => {
    for (const name of LOSS_NAMES) {
      const a = createHeadWeights(name, 7, 5, 123)
      const b = createHeadWeights(name, 7, 5, 123)
      const c = createHeadWeights(name, 7, 5, 124)
      expect(a.centres.shape).toEqual([7, 5])
      expect(a.centres.trainable).toBe(true)
      expect(a.bias?.shape).toEqual(name === 'softmax' ? [7] : undefined)
      expect(Array.from(a.centres.dataSync())).toEqual(Array.from(b.centres.dataSync()))
      expect(Array.from(a.centres.dataSync())).not.toEqual(Array.from(c.centres.dataSync()))
      tf.dispose([a.centres, b.centres, c.centres, a.bias ?? [], b.bias ?? [], c.bias ?? []])
    }
  })
  it('rows start near unit length', () => {
    const w = createHeadWeights('normface', 50, 128, 1)
    const norms = Array.from(tf.tidy(() => tf.norm(w.centres, 'euclidean', 1).dataSync() as Float32Array))
    const mean = norms.reduce((a, v) => a + v, 0) / norms.length
    expect(Math.abs(mean - 1)).toBeLessThan(0.1)
    w.centres.dispose()
  })
  it('refuses bad sizes', () => {
    expect(() => createHeadWeights('dsoftmax', 0, 3, 1)).toThrow(/classes/)
    expect(() => createHeadWeights('dsoftmax', 3, 2.5, 1)).toThrow(/dim/)
  })
})

describe('headLoss agrees with lossFromCosines on explicitly built cosines', () => {
  const sample = [1, 3]
  for (const name of LOSS_NAMES) {
    it(name, () => {
      const params = testParams[name]
      const bias = [0.3, -0.1, 0, 0.2, -0.4]
      const centres = tf.variable(mat(centres3))
      const weights = name === 'softmax' ? { centres, bias: tf.variable(tf.tensor1d(bias)) } : { centres }
      const explicit =
        name === 'softmax'
          ? embeddings3.map((x) => centres3.map((w, k) => dot(x, w) + bias[k]))
          : cosineMatrix(embeddings3, centres3)
      const got = read(headLoss(name, params, mat(embeddings3), ints(labels3), weights, ints(sample)))
      const want = read(lossFromCosines(name, params, mat(explicit), ints(labels3), ints(sample)))
      expectClose(got.loss, want.loss, 1e-5, 'loss')
      expectClose(got.intra, want.intra, 1e-5, 'intra')
      expectClose(got.inter, want.inter, 1e-5, 'inter')
      tf.dispose([centres, weights.bias ?? []])
    })
  }
})

describe('D-Softmax-B/-K gather only the rows they need', () => {
  const C = 12
  const dim = 4
  const labels = [2, 7, 7, 0, 11]
  const embeddings = [
    [0.3, -0.2, 0.9, 0.1],
    [-0.5, 0.4, 0.2, 0.8],
    [0.1, 0.1, -0.7, 0.6],
    [0.9, 0.2, 0.1, -0.3],
    [-0.2, -0.8, 0.4, 0.2]
  ]
  const params = { s: 12, d: 0.75 }

  it('planRows: -B uses the distinct labels; -K the labels and the sample', () => {
    const b = planRows('dsoftmax-b', params, labels, C)
    expect(Array.from(b.classes)).toEqual([0, 2, 7, 11])
    expect(Array.from(b.targetSlots)).toEqual([1, 2, 2, 0, 3])
    expect(Array.from(b.negativeSlots)).toEqual([0, 1, 2, 3])
    const k = planRows('dsoftmax-k', params, labels, C, [5, 7, 9, 5])
    // Negatives first (a contiguous block), then the other labels.
    expect(Array.from(k.classes)).toEqual([5, 7, 9, 0, 2, 11])
    expect(Array.from(k.targetSlots)).toEqual([4, 1, 1, 3, 5])
    expect(Array.from(k.negativeSlots)).toEqual([0, 1, 2])
    const drawn = planRows('dsoftmax-k', { ...params, count: 3 }, labels, C, undefined, seededRng(5))
    expect(drawn.negativeSlots.length).toBe(3)
    expect(drawn.classes.length).toBeLessThanOrEqual(4 + 3)
  })
  it('planRows refuses labels or samples out of range', () => {
    expect(() => planRows('dsoftmax-b', params, [0, 12], C)).toThrow(/labels\[1\] = 12/)
    expect(() => planRows('dsoftmax-k', params, [0], C, [-1])).toThrow(/sampledClasses\[0\]/)
  })

  for (const [name, sample] of [
    ['dsoftmax-b', undefined],
    ['dsoftmax-k', [1, 7, 4, 11]],
    ['dsoftmax-k', [3]]
  ] as [LossName, number[] | undefined][]) {
    it(`${name} ${sample ? `sample [${sample}]` : ''}: gather path equals the full-matrix path, values and gradients`, () => {
      const weights = createHeadWeights(name, C, dim, 9)
      const x = mat(embeddings)
      const y = ints(labels)
      const s = sample ? ints(sample) : undefined
      const full = (): LossParts =>
        tf.tidy(() => {
          const cos = tf.matMul(
            tf.div(x, tf.norm(x, 'euclidean', 1, true)),
            tf.div(weights.centres, tf.norm(weights.centres, 'euclidean', 1, true)),
            false,
            true
          ) as tf.Tensor2D
          return keepParts(lossFromCosines(name, params, cos, y, s))
        })
      const fast = read(headLoss(name, params, x, y, weights, s))
      const dense = read(full())
      expectClose(fast.loss, dense.loss, 1e-5)
      expectClose(fast.intra, dense.intra, 1e-5)
      expectClose(fast.inter, dense.inter, 1e-5)

      const gFast = tf.variableGrads(() => headLoss(name, params, x, y, weights, s).loss, [weights.centres])
      const gDense = tf.variableGrads(() => full().loss, [weights.centres])
      const fastW = toMatrix(gFast.grads[weights.centres.name])
      expectMatrixClose(fastW, toMatrix(gDense.grads[weights.centres.name]), 1e-5)
      // Rows outside labels ∪ sample get nothing.
      const used = new Set([...labels, ...(sample ?? [])])
      fastW.forEach((row, c) => (used.has(c) ? undefined : expect(row.every((v) => v === 0)).toBe(true)))
      tf.dispose([x, y, s ?? [], weights.centres, gFast.value, gDense.value])
    })
  }

  it('rowsLoss on a temporary variable of gathered rows gives the dense gradient at those rows', () => {
    const weights = createHeadWeights('dsoftmax-k', C, dim, 4)
    const x = mat(embeddings)
    const plan = planRows('dsoftmax-k', params, labels, C, [1, 4, 7])
    const rows = tf.variable(tf.gather(weights.centres, ints(Array.from(plan.classes))) as tf.Tensor2D)
    const { value, grads } = tf.variableGrads(() => rowsLoss('dsoftmax-k', params, x, rows, plan).loss, [rows])
    const dense = tf.variableGrads(
      () => headLoss('dsoftmax-k', params, x, ints(labels), weights, ints([1, 4, 7])).loss,
      [weights.centres]
    )
    const denseW = toMatrix(dense.grads[weights.centres.name])
    expectMatrixClose(
      toMatrix(grads[rows.name]),
      Array.from(plan.classes).map((c) => denseW[c]),
      1e-5
    )
    expectClose(value.dataSync()[0], dense.value.dataSync()[0], 1e-6)
    tf.dispose([x, rows, value, dense.value, weights.centres])
  })

  it('rowsLoss refuses rows that do not fit the plan', () => {
    const plan = planRows('dsoftmax-b', params, labels, C)
    expect(() => rowsLoss('dsoftmax-b', params, mat(embeddings), tf.zeros([3, dim]) as tf.Tensor2D, plan)).toThrow(
      /rows must be \[4, 4\]/
    )
  })
})

describe('inside tf.variableGrads', () => {
  it('keepParts keeps intra and inter for the dashboards without leaking tensors', () => {
    for (const name of ['dsoftmax', 'arcface', 'dsoftmax-k'] as LossName[]) {
      const weights = createHeadWeights(name, 5, 3, 2)
      const x = mat(embeddings3)
      const y = ints(labels3)
      const before = tf.memory().numTensors
      let parts: LossParts | undefined
      const { value, grads } = tf.variableGrads(
        () => (parts = keepParts(headLoss(name, testParams[name], x, y, weights, undefined, seededRng(1)))).loss
      )
      expect(parts).toBeDefined()
      const intra = parts!.intra.dataSync()[0]
      const inter = parts!.inter.dataSync()[0]
      expectClose(intra + inter, value.dataSync()[0], 1e-6)
      expect(Object.keys(grads)).toContain(weights.centres.name)
      tf.dispose([value, parts!.intra, parts!.inter, ...Object.values(grads)])
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([x, y, weights.centres])
    }
  })
  it('lossFromCosines and headLoss leave no intermediate tensors behind', () => {
    const weights = createHeadWeights('sphereface', 5, 3, 2)
    const x = mat(embeddings3)
    const y = ints(labels3)
    const before = tf.memory().numTensors
    for (const name of LOSS_NAMES) read(headLoss(name, testParams[name], x, y, weights))
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([x, y, weights.centres])
  })
  it('headLoss refuses mismatched shapes with a readable message', () => {
    const weights = createHeadWeights('normface', 5, 3, 2)
    expect(() => headLoss('normface', {}, mat([[1, 2]]), ints([0]), weights)).toThrow(/2 dimensions, the centres 3/)
    expect(() => headLoss('normface', {}, mat(embeddings3), ints([0]), weights)).toThrow(/labels must be \[4\]/)
    weights.centres.dispose()
  })
})
