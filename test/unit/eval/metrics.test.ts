import { describe, expect, it } from 'vitest'
import { FAR_LEVELS, farKey, rocCurve, verificationReport } from '../../../src/core/eval'
import { randomPairs, refAuc, refBestThreshold, refEer, refRoc, refTarAtFar, refTenFold } from './reference'

const KEYS = ['0.1', '0.01', '0.001', '0.0001', '1e-05', '1e-06']

describe('rocCurve', () => {
  it('matches the brute-force ROC on random data with ties', () => {
    for (const [n, seed, levels] of [
      [2, 1, 3],
      [17, 2, 4],
      [300, 3, 10],
      [1000, 4, 40],
      [1500, 5, 1000]
    ]) {
      const pairs = randomPairs(n, seed, levels)
      const labels = new Set(pairs.labels).size < 2 ? pairs.labels.map((_, i) => i % 2) : pairs.labels
      // Float32 input, as stored embeddings' scores often are.
      const scores = new Float32Array(pairs.scores)
      const ours = rocCurve(labels, scores)
      const ref = refRoc(labels, Array.from(scores))
      expect(Array.from(ours.thresholds)).toEqual(ref.thresholds)
      expect(Array.from(ours.tpr)).toEqual(ref.tpr)
      expect(Array.from(ours.fpr)).toEqual(ref.fpr)
    }
  })

  it('starts at (0, 0) with threshold +Infinity and ends at (1, 1)', () => {
    const { fpr, tpr, thresholds } = rocCurve([1, 0, 1, 0], [0.9, 0.9, 0.1, 0.5])
    expect(Array.from(thresholds)).toEqual([Infinity, 0.9, 0.5, 0.1])
    expect(Array.from(fpr)).toEqual([0, 0.5, 1, 1])
    expect(Array.from(tpr)).toEqual([0, 0.5, 0.5, 1])
  })

  it('treats -0 and +0 as one threshold, like numpy', () => {
    expect(rocCurve([1, 0], [-0, 0]).thresholds.length).toBe(2)
  })

  it('rejects bad input', () => {
    expect(() => rocCurve([1, 1], [0.1, 0.2])).toThrow(/both genuine/)
    expect(() => rocCurve([1, 2], [0.1, 0.2])).toThrow(/0 or 1/)
    expect(() => rocCurve([1, 0], [0.1, NaN])).toThrow(/not finite/)
    expect(() => rocCurve([1, 0], [0.1])).toThrow(/length/)
  })
})

describe('verificationReport', () => {
  it('AUC, EER, TAR@FAR and best accuracy match brute force on random data with ties', () => {
    for (const [n, seed, levels] of [
      [40, 11, 5],
      [777, 12, 25],
      [2000, 13, 200]
    ]) {
      const { labels, scores } = randomPairs(n, seed, levels)
      const r = verificationReport(labels, scores)
      expect(r.pairs).toBe(n)
      expect(r.genuine + r.impostor).toBe(n)
      expect(r.auc).toBeCloseTo(refAuc(labels, scores), 12)
      const eer = refEer(labels, scores)
      expect(r.eer).toBeCloseTo(eer.eer, 12)
      expect(r.eerThreshold).toBeCloseTo(eer.threshold, 12)
      for (const far of FAR_LEVELS) expect(r.tarAtFar[farKey(far)]).toBe(refTarAtFar(labels, scores, far))
      const best = refBestThreshold(labels, scores)
      expect(r.bestAccuracy).toBe(best.accuracy)
      expect(r.bestThreshold).toBeCloseTo(best.threshold, 12)
    }
  })

  it('perfect separation: AUC 1, EER 0, TAR 1 at every FAR, accuracy 1', () => {
    const r = verificationReport([1, 1, 1, 0, 0, 0, 1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.6, 0.4, 0.95, 0])
    expect(r.auc).toBe(1)
    expect(r.eer).toBe(0)
    expect(r.eerThreshold).toBe(0.6)
    expect(Object.values(r.tarAtFar)).toEqual([1, 1, 1, 1, 1, 1])
    expect(r.bestAccuracy).toBe(1)
    expect(r.bestThreshold).toBeCloseTo(0.5, 15)
  })

  it('reversed scores: AUC 0, EER 1', () => {
    const r = verificationReport([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])
    expect(r.auc).toBe(0)
    expect(r.eer).toBe(1)
    expect(Object.values(r.tarAtFar)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('all scores tied: AUC 0.5, EER 0.5', () => {
    const r = verificationReport([1, 0, 1, 0, 0], [0.3, 0.3, 0.3, 0.3, 0.3])
    expect(r.auc).toBe(0.5)
    expect(r.eer).toBe(0.5)
    expect(r.eerThreshold).toBe(0.3)
    // Accepting everything is right for 2 of 5, rejecting everything for 3 of 5.
    expect(r.bestAccuracy).toBe(0.6)
    expect(r.bestThreshold).toBe(Infinity)
  })

  it('TAR@FAR is the highest TPR with FPR <= FAR: with 1000 impostors, FAR 1e-3 allows one false accept', () => {
    const labels: number[] = []
    const scores: number[] = []
    for (let i = 0; i < 1000; i++) {
      labels.push(0)
      scores.push(i / 1000) // impostors 0 … 0.999
    }
    for (let i = 0; i < 100; i++) {
      labels.push(1)
      scores.push(0.9995 - i * 0.001) // 0.9995, 0.9985, …, 0.9005
    }
    const r = verificationReport(labels, scores)
    // FPR 0 admits only the genuine above 0.999 (1 of 100); one false accept (0.999) admits the
    // next one down to 0.9985 (2 of 100); ten false accepts (0.990 … 0.999) reach 0.9895 (11 of 100).
    expect(r.tarAtFar['0.0001']).toBe(0.01)
    expect(r.tarAtFar['0.001']).toBe(0.02)
    expect(r.tarAtFar['0.01']).toBe(0.11)
    expect(r.tarAtFar['0.1']).toBe(1)
  })

  it('flags FAR levels below 10 / impostor pairs as unreliable, with Python-style keys', () => {
    const { labels, scores } = randomPairs(2000, 21)
    const impostor = labels.filter((l) => l === 0).length
    const r = verificationReport(labels, scores)
    expect(Object.keys(r.tarAtFar)).toEqual(KEYS)
    expect(r.unreliableFar).toEqual(KEYS.filter((k) => Number(k) < 10 / impostor))
    expect(r.unreliableFar).toEqual(['0.001', '0.0001', '1e-05', '1e-06'])
    // Exactly 10 / impostors is still reliable.
    const exact = verificationReport([...Array(1000).fill(0), 1], [...Array(1000).fill(0), 1])
    expect(exact.unreliableFar).toEqual(['0.001', '0.0001', '1e-05', '1e-06'])
  })

  it('10-fold protocol matches brute force (contiguous folds, threshold from the other nine)', () => {
    for (const [n, seed, levels, pGenuine] of [
      [6000, 31, 50, 0.5],
      [1003, 32, 8, 0.5],
      [257, 33, 1000, 0.2],
      [23, 34, 3, 0.5],
      [7, 35, 4, 0.5]
    ]) {
      const { labels: drawn, scores } = randomPairs(n, seed, levels, pGenuine)
      const labels = new Set(drawn).size < 2 ? drawn.map((_, i) => i % 2) : drawn
      const r = verificationReport(labels, scores)
      const ref = refTenFold(labels, scores)
      expect(r.tenFold.folds).toEqual(ref.folds)
      expect(r.tenFold.thresholds.length).toBe(ref.thresholds.length)
      r.tenFold.thresholds.forEach((t, k) => expect(t).toBeCloseTo(ref.thresholds[k], 12))
      const mean = ref.folds.reduce((a, b) => a + b, 0) / ref.folds.length
      expect(r.tenFold.mean).toBeCloseTo(mean, 14)
      // Population std (ddof 0), as numpy's np.std.
      expect(r.tenFold.std).toBeCloseTo(Math.sqrt(ref.folds.reduce((a, b) => a + (b - mean) ** 2, 0) / ref.folds.length), 14)
    }
  })

  it('10-fold folds are contiguous in pair order with sizes as equal as possible', () => {
    // 25 pairs: fold boundaries floor(k·25/10) = 0, 2, 5, 7, 10, …, so sizes alternate 2, 3.
    // One genuine pair scored like an impostor costs exactly its own fold one pair.
    const sizes = [2, 3, 2, 3, 2, 3, 2, 3, 2, 3]
    const foldOf = (i: number): number => sizes.findIndex((_, k) => i < sizes.slice(0, k + 1).reduce((a, b) => a + b, 0))
    for (const bad of [0, 4, 5, 24]) {
      const labels = Array.from({ length: 25 }, (_, i) => (i === bad ? 1 : i % 2))
      const scores = labels.map((l, i) => (l === 1 && i !== bad ? 1 : -1))
      const r = verificationReport(labels, scores)
      expect(r.tenFold.folds).toEqual(sizes.map((size, k) => (k === foldOf(bad) ? (size - 1) / size : 1)))
      expect(r.tenFold.thresholds).toEqual(Array(10).fill(0))
    }
  })

  it('accepts typed arrays', () => {
    const { labels, scores } = randomPairs(500, 41)
    const plain = verificationReport(labels, scores)
    expect(verificationReport(Uint8Array.from(labels), Float64Array.from(scores))).toEqual(plain)
  })
})

describe('farKey', () => {
  it('prints FAR levels as Python does', () => {
    expect(FAR_LEVELS.map(farKey)).toEqual(KEYS)
  })
})
