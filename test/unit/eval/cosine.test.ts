import { describe, expect, it } from 'vitest'
import { cosineScores, l2NormalizeRows, pairCosineScores } from '../../../src/core/eval'
import { mulberry32 } from './reference'

describe('cosine scores', () => {
  it('scores row i of A against row i of B, normalizing inside', () => {
    const a = new Float32Array([1, 0, 0, 3, 1, 0, 2, 2])
    const b = new Float32Array([0, 5, 0, -1, 1, 1, 1, 1])
    const s = cosineScores(a, b, 2)
    expect(s[0]).toBe(0)
    expect(s[1]).toBe(-1)
    expect(s[2]).toBeCloseTo(Math.SQRT1_2, 7)
    expect(s[3]).toBeCloseTo(1, 7)
    // A zero embedding has no direction; NaN makes verificationReport refuse it loudly.
    expect(cosineScores(new Float32Array([0, 0]), new Float32Array([1, 0]), 2)[0]).toBeNaN()
  })

  it('agrees with the dot product of normalized rows, and by index pairs', () => {
    const rand = mulberry32(5)
    const dim = 16
    const emb = Float32Array.from({ length: 10 * dim }, () => rand() - 0.5)
    const unit = l2NormalizeRows(emb, dim)
    const left = [0, 3, 9, 4]
    const right = [1, 3, 2, 8]
    const byIndex = pairCosineScores(emb, dim, left, right)
    left.forEach((l, i) => {
      let dot = 0
      for (let k = 0; k < dim; k++) dot += unit[l * dim + k] * unit[right[i] * dim + k]
      expect(byIndex[i]).toBeCloseTo(dot, 6)
    })
    expect(byIndex[1]).toBeCloseTo(1, 12)
    const a = Float32Array.from(left.flatMap((l) => Array.from(emb.subarray(l * dim, (l + 1) * dim))))
    const b = Float32Array.from(right.flatMap((r) => Array.from(emb.subarray(r * dim, (r + 1) * dim))))
    expect(Array.from(cosineScores(a, b, dim))).toEqual(Array.from(byIndex))
  })

  it('rejects mismatched shapes and out-of-range indices', () => {
    expect(() => cosineScores(new Float32Array(4), new Float32Array(6), 2)).toThrow(/differ/)
    expect(() => cosineScores(new Float32Array(5), new Float32Array(5), 2)).toThrow(/multiple/)
    expect(() => pairCosineScores(new Float32Array(4), 2, [0], [2])).toThrow(/outside/)
  })
})
