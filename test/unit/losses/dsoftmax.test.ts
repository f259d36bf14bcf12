import { beforeAll, describe, expect, it } from 'vitest'
import { dsoftmaxParts, lossFromCosines, sampleClasses, sampleSize, seededRng } from '../../../src/core/losses'
import type { LossName, LossParams } from '../../../src/core/losses'
import { centres3, embeddings3, labels3 } from './fixtures'
import { expectClose, expectMatrixClose, ints, mat, read, tf, toMatrix, useCpu } from './helpers'
import { cosineMatrix, refLoss } from './reference'
import type { Matrix } from './reference'

beforeAll(useCpu)

const p = { s: 10, d: 0.8 }
const rp = { ...p, m: 0, lambda: 0 }
const cos = cosineMatrix(embeddings3, centres3)

function gradOf(
  name: LossName,
  params: LossParams,
  at: Matrix,
  part: 'loss' | 'intra' | 'inter',
  labels = labels3,
  sample?: number[]
): Matrix {
  const g = tf.grad(
    (c: tf.Tensor) => lossFromCosines(name, params, c as tf.Tensor2D, ints(labels), sample ? ints(sample) : undefined)[part]
  )
  return toMatrix(g(mat(at)))
}

/** Same matrix with every non-target cosine replaced. */
const moveOthers = (m: Matrix): Matrix => m.map((r, i) => r.map((v, k) => (k === labels3[i] ? v : -v * 0.5 + 0.1)))
/** Same matrix with every target cosine replaced. */
const moveTargets = (m: Matrix): Matrix => m.map((r, i) => r.map((v, k) => (k === labels3[i] ? 0.95 - v * 0.3 : v)))

describe('D-Softmax dissection', () => {
  it('intra gradient lives on the target column and ignores the other cosines', () => {
    const a = gradOf('dsoftmax', p, cos, 'intra')
    const b = gradOf('dsoftmax', p, moveOthers(cos), 'intra')
    expectMatrixClose(a, b, 1e-7)
    a.forEach((row, i) => row.forEach((v, k) => (k === labels3[i] ? expect(v).toBeLessThan(0) : expect(v).toBe(0))))
  })
  it('intra gradient is −s·σ(s(d − z_y)) / batch', () => {
    const g = gradOf('dsoftmax', p, cos, 'intra')
    cos.forEach((row, i) => {
      const z = row[labels3[i]]
      const want = -p.s / (1 + Math.exp(-p.s * (p.d - z))) / cos.length
      expectClose(g[i][labels3[i]], want, 1e-5)
    })
  })
  it('inter gradient is zero on the target column and ignores the target cosine', () => {
    const a = gradOf('dsoftmax', p, cos, 'inter')
    const b = gradOf('dsoftmax', p, moveTargets(cos), 'inter')
    expectMatrixClose(a, b, 1e-7)
    a.forEach((row, i) => expect(row[labels3[i]]).toBe(0))
  })
  it('inter value is unchanged when only target cosines move; intra when only the others move', () => {
    const base = read(lossFromCosines('dsoftmax', p, mat(cos), ints(labels3)))
    const targetsMoved = read(lossFromCosines('dsoftmax', p, mat(moveTargets(cos)), ints(labels3)))
    const othersMoved = read(lossFromCosines('dsoftmax', p, mat(moveOthers(cos)), ints(labels3)))
    expect(targetsMoved.inter).toBe(base.inter)
    expect(othersMoved.intra).toBe(base.intra)
  })
  it('dsoftmaxParts with no negatives left gives inter = log 1 = 0', () => {
    const parts = tf.tidy(() => {
      const r = dsoftmaxParts(
        tf.tensor1d([0.5]),
        tf.tensor2d([[0.9, 0.9]]),
        tf.tensor2d([[false, false]], undefined, 'bool'),
        64,
        0.9
      )
      return [r.intra.dataSync()[0], r.inter.dataSync()[0]]
    })
    expect(parts[1]).toBe(0)
    expectClose(parts[0], Math.log1p(Math.exp(64 * 0.4)), 1e-6)
  })
})

describe('D-Softmax-K', () => {
  const full = read(lossFromCosines('dsoftmax', p, mat(cos), ints(labels3)))
  it('at rate 1 equals D-Softmax (values and gradient)', () => {
    const k = read(lossFromCosines('dsoftmax-k', { ...p, rate: 1 }, mat(cos), ints(labels3)))
    expectClose(k.loss, full.loss, 1e-6)
    expectClose(k.inter, full.inter, 1e-6)
    expectMatrixClose(gradOf('dsoftmax-k', { ...p, rate: 1 }, cos, 'loss'), gradOf('dsoftmax', p, cos, 'loss'), 1e-6)
  })
  it('with count = C equals D-Softmax', () => {
    const k = read(lossFromCosines('dsoftmax-k', { ...p, count: 5 }, mat(cos), ints(labels3)))
    expectClose(k.loss, full.loss, 1e-6)
  })
  it('with an explicit sample equals an independent computation', () => {
    for (const sample of [[3], [1, 3], [0, 1, 2, 3, 4], [4, 0]]) {
      const got = read(lossFromCosines('dsoftmax-k', p, mat(cos), ints(labels3), ints(sample)))
      const want = refLoss('dsoftmax-k', rp, cos, labels3, sample)
      expectClose(got.loss, want.loss, 1e-5, `sample ${sample}`)
      expectClose(got.inter, want.inter, 1e-5, `sample ${sample}`)
      // By hand for row 0 alone (label 0): negatives are the sampled classes other than 0.
      const row = cos[0]
      const negatives = sample.filter((k) => k !== 0)
      const inter0 = Math.log(1 + negatives.reduce((acc, k) => acc + Math.exp(p.s * row[k]), 0))
      const one = read(lossFromCosines('dsoftmax-k', p, mat([row]), ints([0]), ints(sample)))
      expectClose(one.inter, inter0, 1e-5)
    }
  })
  it('never counts the target as a negative, even when sampled', () => {
    // Sample = exactly the labels: each row's own class is in the sample.
    const sample = [0, 2, 4]
    const g = gradOf('dsoftmax-k', p, cos, 'inter', labels3, sample)
    g.forEach((row, i) => {
      expect(row[labels3[i]]).toBe(0)
      row.forEach((v, k) => (sample.includes(k) ? undefined : expect(v).toBe(0)))
    })
    // A one-class sample holding only the row's own class leaves no negatives at all.
    const only = read(lossFromCosines('dsoftmax-k', p, mat([cos[0]]), ints([0]), ints([0])))
    expect(only.inter).toBe(0)
  })
  it('draws K = max(1, round(rate·C)) distinct classes with the given rng', () => {
    const C = 200
    const wide = Array.from({ length: 2 }, () => Array.from({ length: C }, (_, k) => Math.sin(k * 0.37) * 0.5))
    const labels = [3, 150]
    const params = { ...p, rate: 1 / 16 }
    const K = sampleSize({ rate: 1 / 16 }, C)
    expect(K).toBe(13)
    const sample = Array.from(sampleClasses(C, K, seededRng(7)))
    const got = read(lossFromCosines('dsoftmax-k', params, mat(wide), ints(labels), undefined, seededRng(7)))
    const want = refLoss('dsoftmax-k', rp, wide, labels, sample)
    expectClose(got.loss, want.loss, 1e-5)
  })
})

describe('D-Softmax-B', () => {
  it('uses the classes present in the batch, each row its own excluded', () => {
    const got = read(lossFromCosines('dsoftmax-b', p, mat(cos), ints(labels3)))
    // Present classes are 0, 2, 4. Row 0 (label 0) sees 2 and 4; rows 1, 2 (label 2) see 0, 4; row 3 sees 0, 2.
    const sp = (x: number): number => Math.log1p(Math.exp(x))
    const negatives: Record<number, number[]> = { 0: [2, 4], 2: [0, 4], 4: [0, 2] }
    let intra = 0
    let inter = 0
    cos.forEach((row, i) => {
      const y = labels3[i]
      intra += sp(p.s * (p.d - row[y]))
      inter += Math.log(1 + negatives[y].reduce((acc, k) => acc + Math.exp(p.s * row[k]), 0))
    })
    expectClose(got.intra, intra / 4, 1e-5)
    expectClose(got.inter, inter / 4, 1e-5)
  })
  it('has no inter term when the whole batch is one class', () => {
    const got = read(lossFromCosines('dsoftmax-b', p, mat(cos), ints([1, 1, 1, 1])))
    expect(got.inter).toBe(0)
  })
  it('gives no gradient to absent classes', () => {
    const g = gradOf('dsoftmax-b', p, cos, 'loss')
    g.forEach((row) => {
      expect(row[1]).toBe(0)
      expect(row[3]).toBe(0)
    })
  })
})

describe('sampling', () => {
  it('sampleClasses: distinct, in range, sorted, of the asked size', () => {
    const rng = seededRng(1)
    for (const [C, K] of [
      [10, 3],
      [10, 10],
      [1000, 16],
      [1, 1],
      [5, 9]
    ] as const) {
      const s = Array.from(sampleClasses(C, K, rng))
      expect(s.length).toBe(Math.min(C, K))
      expect(new Set(s).size).toBe(s.length)
      expect(s.every((v) => Number.isInteger(v) && v >= 0 && v < C)).toBe(true)
      expect([...s].sort((a, b) => a - b)).toEqual(s)
    }
  })
  it('sampleClasses is seedable and roughly uniform', () => {
    expect(Array.from(sampleClasses(100, 5, seededRng(42)))).toEqual(Array.from(sampleClasses(100, 5, seededRng(42))))
    const counts = new Array(10).fill(0)
    const rng = seededRng(3)
    const draws = 4000
    for (let i = 0; i < draws; i++) for (const c of sampleClasses(10, 2, rng)) counts[c]++
    for (const n of counts) expect(Math.abs(n / draws - 0.2)).toBeLessThan(0.03)
  })
  it('sampleSize: count wins over rate; at least 1; at most C', () => {
    expect(sampleSize({ rate: 1 / 64 }, 10)).toBe(1)
    expect(sampleSize({ rate: 1 / 64, count: 7 }, 100)).toBe(7)
    expect(sampleSize({ rate: 1, count: 70 }, 10)).toBe(10)
    expect(sampleSize({ rate: 0.5 }, 9)).toBe(5)
  })
})
