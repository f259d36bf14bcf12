// The closed-form similarity fit against scikit-image's Umeyama estimate, exact recovery of a known
// transform, inversion, and the template for other crop sizes and margins.
import { describe, expect, it } from 'vitest'
import {
  applySimilarity,
  fitSimilarity,
  invertSimilarity,
  similarityDegrees,
  similarityScale,
  type Point
} from '../../../src/core/align/similarity'
import { ARCFACE_TEMPLATE, alignmentTemplate } from '../../../src/core/align/template'
import { createRng } from '../../../src/core/util/rng'
import { skimageSimilarity, similarityMatrix } from './fixtures'

describe('fitSimilarity', () => {
  it('agrees with scikit-image’s SimilarityTransform.estimate on noisy five-point sets', () => {
    const rng = createRng(17)
    for (let trial = 0; trial < 5; trial++) {
      const from: Point[] = ARCFACE_TEMPLATE.map(([x, y]) => [x * 3 + 200 + rng.next() * 40, y * 3 + 100 + rng.next() * 40])
      const fitted = similarityMatrix(fitSimilarity(from, ARCFACE_TEMPLATE))
      const expected = skimageSimilarity(from, ARCFACE_TEMPLATE)
      for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) expect(fitted[r][c]).toBeCloseTo(expected[r][c], 6)
    }
  })

  it('recovers a known transform exactly from points it moved', () => {
    const known = { a: 0.8 * Math.cos(0.4), b: 0.8 * Math.sin(0.4), tx: -31.5, ty: 12.25 }
    const from: Point[] = [
      [10, 20],
      [300, 40],
      [150, 210],
      [90, 400]
    ]
    const fit = fitSimilarity(
      from,
      from.map((p) => applySimilarity(known, p))
    )
    expect(fit.a).toBeCloseTo(known.a, 12)
    expect(fit.b).toBeCloseTo(known.b, 12)
    expect(fit.tx).toBeCloseTo(known.tx, 9)
    expect(fit.ty).toBeCloseTo(known.ty, 9)
    expect(similarityScale(fit)).toBeCloseTo(0.8, 12)
    expect(similarityDegrees(fit)).toBeCloseTo((0.4 * 180) / Math.PI, 10)
  })

  it('inverts: T⁻¹(T(p)) = p', () => {
    const t = { a: 1.3, b: -0.4, tx: 5, ty: -7 }
    const back = invertSimilarity(t)
    for (const p of ARCFACE_TEMPLATE) {
      const q = applySimilarity(back, applySimilarity(t, p))
      expect(q[0]).toBeCloseTo(p[0], 10)
      expect(q[1]).toBeCloseTo(p[1], 10)
    }
  })

  it('refuses point sets it cannot fit', () => {
    expect(() => fitSimilarity([[1, 1]], [[2, 2]])).toThrow(/at least 2 points/)
    expect(() =>
      fitSimilarity(
        [
          [1, 1],
          [1, 1]
        ],
        ARCFACE_TEMPLATE.slice(0, 2)
      )
    ).toThrow(/coincide/)
  })
})

describe('alignmentTemplate', () => {
  it('is insightface’s at 112 with no margin, and scales with the crop size', () => {
    expect(alignmentTemplate()).toEqual(ARCFACE_TEMPLATE.map(([x, y]) => [x, y]))
    alignmentTemplate(224).forEach(([x, y], i) => {
      expect(x).toBeCloseTo(2 * ARCFACE_TEMPLATE[i][0], 10)
      expect(y).toBeCloseTo(2 * ARCFACE_TEMPLATE[i][1], 10)
    })
  })

  it('a margin shrinks the points towards the centre by 1 / (1 + 2 margin)', () => {
    const [leftEye, rightEye] = alignmentTemplate(112, 0.25)
    const eyeDistance = ARCFACE_TEMPLATE[1][0] - ARCFACE_TEMPLATE[0][0]
    expect(rightEye[0] - leftEye[0]).toBeCloseTo(eyeDistance / 1.5, 10)
    expect(leftEye[0]).toBeCloseTo(56 + (ARCFACE_TEMPLATE[0][0] - 56) / 1.5, 10)
    expect(() => alignmentTemplate(8)).toThrow(/at least 16/)
    expect(() => alignmentTemplate(112, -0.1)).toThrow(/margin/)
  })
})
