// The verification report: ROC summary, best-threshold accuracy and the LFW 10-fold protocol.
import {
  FAR_LEVELS,
  equalErrorRate,
  farKey,
  rocAuc,
  rocCounts,
  splitByClass,
  tarAtFar,
  type ClassScores,
  type RocCounts
} from './roc'

export interface TenFoldResult {
  /** Mean held-out accuracy over the folds. */
  mean: number
  /** Population standard deviation (divide by the number of folds, like numpy's default `np.std`). */
  std: number
  /** Held-out accuracy of each fold, in fold order. */
  folds: number[]
  /** Threshold chosen on the other nine folds for each fold (+Infinity means "reject all"). */
  thresholds: number[]
}

export interface VerificationReport {
  pairs: number
  genuine: number
  impostor: number
  auc: number
  eer: number
  eerThreshold: number
  /** TAR at each of FAR_LEVELS, keyed Python-style: "0.1" … "0.0001", "1e-05", "1e-06". */
  tarAtFar: Record<string, number>
  /** Keys of tarAtFar whose FAR < 10 / impostor pairs: fewer than 10 false accepts, so noise. */
  unreliableFar: string[]
  /**
   * OPTIMISTIC: the best accuracy over all thresholds, with the threshold fitted on the very
   * pairs it is measured on. Report tenFold for an honest number.
   */
  bestAccuracy: number
  /** The threshold behind bestAccuracy (same choice rule as the 10-fold protocol). */
  bestThreshold: number
  tenFold: TenFoldResult
}

/** Number of folds in the LFW protocol. */
export const LFW_FOLDS = 10

interface ThresholdChoice {
  threshold: number
  /** Correctly classified pairs (on the fitted set) at that threshold. */
  correct: number
}

/**
 * The accuracy-maximizing threshold on all pairs minus a held-out subset. `roc` is the ROC of
 * all pairs; the held-out scores (sorted ascending per class) must be a sub-multiset of them.
 *
 * Candidates are +Infinity (reject all) and every distinct fitted score s (accept score >= s).
 * Ties in accuracy go to the smallest such s. The returned threshold is the midpoint between s
 * and the next lower distinct fitted score, which classifies the fitted pairs identically but
 * leaves a margin on both sides for unseen pairs; s itself when it is the lowest score.
 *
 * One pass over the global ROC, subtracting the held-out counts met so far: O(distinct + held-out).
 */
function chooseThreshold(roc: RocCounts, heldOut: ClassScores): ThresholdChoice {
  const { tps, fps, thresholds } = roc
  const hGen = heldOut.genuine
  const hImp = heldOut.impostor
  const negatives = roc.negatives - hImp.length
  let hi = hGen.length - 1
  let hj = hImp.length - 1
  let heldTp = 0
  let heldFp = 0
  let lastTp = 0
  let lastFp = 0
  let bestCorrect = negatives
  let best = Infinity
  let next = NaN
  let needNext = true
  for (let k = 1; k < tps.length; k++) {
    const v = thresholds[k]
    while (hi >= 0 && hGen[hi] === v) {
      hi--
      heldTp++
    }
    while (hj >= 0 && hImp[hj] === v) {
      hj--
      heldFp++
    }
    const tp = tps[k] - heldTp
    const fp = fps[k] - heldFp
    // A value that only the held-out pairs have is not a candidate of the fitted set.
    if (tp === lastTp && fp === lastFp) continue
    lastTp = tp
    lastFp = fp
    if (needNext) {
      next = v
      needNext = false
    }
    const correct = tp + negatives - fp
    if (correct >= bestCorrect) {
      bestCorrect = correct
      best = v
      next = NaN
      needNext = true
    }
  }
  return { threshold: gapMidpoint(best, next), correct: bestCorrect }
}

function gapMidpoint(score: number, below: number): number {
  if (Number.isNaN(below)) return score
  const mid = below + (score - below) / 2
  // Adjacent doubles have no midpoint; fall back to the score itself, which is still in the gap.
  return mid > below && mid <= score ? mid : score
}

const EMPTY: ClassScores = { genuine: new Float64Array(0), impostor: new Float64Array(0) }

/** Fold k of n pairs covers [foldStart(k), foldStart(k + 1)): contiguous, sizes differ by at most one. */
function foldStart(k: number, n: number, folds: number): number {
  return Math.floor((k * n) / folds)
}

/**
 * LFW protocol: LFW_FOLDS contiguous folds in pair order; for each fold the threshold is
 * chosen (see chooseThreshold) on the other folds and accuracy is measured on the fold.
 * Folds that would be empty (fewer than LFW_FOLDS pairs) are left out.
 * O(n log n) overall: each fold's scores are sorted once and their counts subtracted from
 * the global ROC during the threshold walk.
 */
function tenFold(labels: ArrayLike<number>, scores: ArrayLike<number>, roc: RocCounts, folds = LFW_FOLDS): TenFoldResult {
  const n = labels.length
  const maxFold = Math.ceil(n / folds)
  const genBuf = new Float64Array(maxFold)
  const impBuf = new Float64Array(maxFold)
  const accuracies: number[] = []
  const thresholds: number[] = []
  for (let k = 0; k < folds; k++) {
    const start = foldStart(k, n, folds)
    const end = foldStart(k + 1, n, folds)
    if (end === start) continue
    let g = 0
    let m = 0
    for (let p = start; p < end; p++) {
      if (labels[p] === 1) genBuf[g++] = scores[p]
      else impBuf[m++] = scores[p]
    }
    const heldOut = { genuine: genBuf.subarray(0, g).sort(), impostor: impBuf.subarray(0, m).sort() }
    const { threshold } = chooseThreshold(roc, heldOut)
    let correct = 0
    for (let p = start; p < end; p++) {
      if (scores[p] >= threshold === (labels[p] === 1)) correct++
    }
    accuracies.push(correct / (end - start))
    thresholds.push(threshold)
  }
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length
  const variance = accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / accuracies.length
  return { mean, std: Math.sqrt(variance), folds: accuracies, thresholds }
}

/**
 * Every verification metric the face-verification field reports, from per-pair labels (1 = same identity,
 * 0 = different) and similarity scores (higher = more similar), in the pairs' file order
 * (the 10-fold split depends on it). Throws on invalid input or a single class.
 */
export function verificationReport(labels: ArrayLike<number>, scores: ArrayLike<number>): VerificationReport {
  const classes = splitByClass(labels, scores)
  const roc = rocCounts(classes)
  const pairs = labels.length
  const impostor = classes.impostor.length
  const { eer, threshold: eerThreshold } = equalErrorRate(roc)
  const tar: Record<string, number> = {}
  const unreliableFar: string[] = []
  for (const far of FAR_LEVELS) {
    const key = farKey(far)
    tar[key] = tarAtFar(roc, far)
    if (far < 10 / impostor) unreliableFar.push(key)
  }
  const best = chooseThreshold(roc, EMPTY)
  return {
    pairs,
    genuine: classes.genuine.length,
    impostor,
    auc: rocAuc(roc),
    eer,
    eerThreshold,
    tarAtFar: tar,
    unreliableFar,
    bestAccuracy: best.correct / pairs,
    bestThreshold: best.threshold,
    tenFold: tenFold(labels, scores, roc)
  }
}
