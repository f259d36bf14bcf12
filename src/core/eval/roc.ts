// ROC, AUC, EER and TAR@FAR from (label, score) pairs, with scikit-learn's tie handling.
//
// Scores are split by class and each class sorted once (native typed-array sort); every
// metric is then one merge walk over the two sorted arrays from the highest score down.
// A pair is accepted ("same identity") when score >= threshold, as in sklearn.

/** The FAR levels the verification protocol reports TAR at (1e-1 … 1e-6). */
export const FAR_LEVELS: readonly number[] = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]

/** Python's repr of a FAR level ("0.1" … "0.0001", "1e-05", "1e-06"), used as report keys. */
export function farKey(far: number): string {
  // Python switches to exponent notation below 1e-4 and pads the exponent to two digits.
  if (far >= 1e-4) return String(far)
  return far.toExponential().replace(/e-(\d)$/, 'e-0$1')
}

/** Genuine (label 1) and impostor (label 0) scores, each sorted ascending. */
export interface ClassScores {
  genuine: Float64Array
  impostor: Float64Array
}

/**
 * Validates the pairs and splits the scores by class, sorted ascending.
 * Throws on mismatched lengths, labels other than 0/1 and non-finite scores.
 */
export function splitByClass(labels: ArrayLike<number>, scores: ArrayLike<number>): ClassScores {
  const n = labels.length
  if (scores.length !== n) throw new RangeError(`labels (${n}) and scores (${scores.length}) differ in length`)
  let positives = 0
  for (let i = 0; i < n; i++) {
    const label = labels[i]
    if (label === 1) positives++
    else if (label !== 0) throw new RangeError(`label at index ${i} must be 0 or 1, got ${label}`)
    if (!Number.isFinite(scores[i])) throw new RangeError(`score at index ${i} is not finite: ${scores[i]}`)
  }
  const genuine = new Float64Array(positives)
  const impostor = new Float64Array(n - positives)
  for (let i = 0, g = 0, m = 0; i < n; i++) {
    if (labels[i] === 1) genuine[g++] = scores[i]
    else impostor[m++] = scores[i]
  }
  genuine.sort()
  impostor.sort()
  return { genuine, impostor }
}

/** ROC as raw counts: point i accepts every pair with score >= thresholds[i]. */
export interface RocCounts {
  tps: Float64Array
  fps: Float64Array
  thresholds: Float64Array
  positives: number
  negatives: number
}

function requireBothClasses({ genuine, impostor }: ClassScores): void {
  if (genuine.length === 0 || impostor.length === 0) {
    throw new RangeError(
      `need both genuine (label 1) and impostor (label 0) pairs, got ${genuine.length} genuine and ${impostor.length} impostor`
    )
  }
}

/** Number of distinct scores over both sorted arrays (so the ROC is allocated exactly once). */
function countDistinct(a: Float64Array, b: Float64Array): number {
  let i = a.length - 1
  let j = b.length - 1
  let k = 0
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? b[j] : j < 0 ? a[i] : Math.max(a[i], b[j])
    while (i >= 0 && a[i] === v) i--
    while (j >= 0 && b[j] === v) j--
    k++
  }
  return k
}

/**
 * sklearn `roc_curve(drop_intermediate=False)` as counts: one point per distinct score,
 * highest first, preceded by (0, 0) at threshold +Infinity.
 */
export function rocCounts(classes: ClassScores): RocCounts {
  requireBothClasses(classes)
  const { genuine, impostor } = classes
  const size = countDistinct(genuine, impostor) + 1
  const tps = new Float64Array(size)
  const fps = new Float64Array(size)
  const thresholds = new Float64Array(size)
  thresholds[0] = Infinity
  let i = genuine.length - 1
  let j = impostor.length - 1
  let tp = 0
  let fp = 0
  for (let k = 1; k < size; k++) {
    const v = i < 0 ? impostor[j] : j < 0 ? genuine[i] : Math.max(genuine[i], impostor[j])
    while (i >= 0 && genuine[i] === v) {
      i--
      tp++
    }
    while (j >= 0 && impostor[j] === v) {
      j--
      fp++
    }
    tps[k] = tp
    fps[k] = fp
    thresholds[k] = v
  }
  return { tps, fps, thresholds, positives: genuine.length, negatives: impostor.length }
}

/**
 * Full ROC with every distinct threshold, ties handled like sklearn's `roc_curve` with
 * `drop_intermediate=False`: the first point is (0, 0) at threshold +Infinity (sklearn >= 1.3).
 */
export function rocCurve(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>
): { fpr: Float64Array; tpr: Float64Array; thresholds: Float64Array } {
  const roc = rocCounts(splitByClass(labels, scores))
  // Counts become rates in place: no second copy of a possibly 10M-point curve.
  const { tps: tpr, fps: fpr } = roc
  for (let k = 0; k < tpr.length; k++) {
    tpr[k] /= roc.positives
    fpr[k] /= roc.negatives
  }
  return { fpr, tpr, thresholds: roc.thresholds }
}

/** Trapezoidal area under the ROC (sklearn `roc_auc_score`). */
export function rocAuc(roc: RocCounts): number {
  // Summed in integer counts, exact while 2·P·N < 2^53 (over 10^8 pairs), then scaled once.
  let area = 0
  for (let k = 1; k < roc.tps.length; k++) {
    area += (roc.fps[k] - roc.fps[k - 1]) * (roc.tps[k] + roc.tps[k - 1])
  }
  return area / (2 * roc.positives * roc.negatives)
}

/**
 * Equal error rate: where FPR = 1 − TPR, linearly interpolated along the ROC segment that
 * crosses it; the threshold is interpolated on the same segment. When the crossing lies on
 * the first segment (from the +Infinity point) the threshold is the highest score.
 */
export function equalErrorRate(roc: RocCounts): { eer: number; threshold: number } {
  const { tps, fps, thresholds, positives, negatives } = roc
  // d = FPR − FNR rises monotonically from −1 at (0, 0) to +1 at (1, 1).
  let prev = -1
  for (let k = 1; k < tps.length; k++) {
    const fpr = fps[k] / negatives
    const d = fpr + tps[k] / positives - 1
    if (d < 0) {
      prev = d
      continue
    }
    if (d === 0) return { eer: fpr, threshold: thresholds[k] }
    const t = -prev / (d - prev)
    const fprPrev = fps[k - 1] / negatives
    const threshold = k === 1 ? thresholds[1] : thresholds[k - 1] + t * (thresholds[k] - thresholds[k - 1])
    return { eer: fprPrev + t * (fpr - fprPrev), threshold }
  }
  // Unreachable: the last point is (1, 1), where d = 1.
  throw new Error('ROC does not reach (1, 1)')
}

/** TAR@FAR: the highest TPR among ROC points with FPR <= far (0 if none besides the origin). */
export function tarAtFar(roc: RocCounts, far: number): number {
  const { tps, fps, positives, negatives } = roc
  // FPR and TPR only grow along the curve, so the answer is the last point within the FAR.
  let lo = 0
  let hi = fps.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (fps[mid] / negatives <= far) lo = mid
    else hi = mid - 1
  }
  return tps[lo] / positives
}
