/**
 * Threshold picking on a ROC: the operating point for a target FAR is the one with the
 * largest FAR not above the target (the most permissive threshold that still meets it).
 * Points are sorted by increasing FAR, as scikit-learn's roc_curve returns them.
 */
export interface RocPoints {
  far: readonly number[]
  tar: readonly number[]
  thresholds: readonly number[]
}

export interface OperatingPoint {
  threshold: number
  far: number
  tar: number
}

export function thresholdForFar(roc: RocPoints, targetFar: number): OperatingPoint | null {
  let best = -1
  for (let i = 0; i < roc.far.length; i++) {
    // sklearn's first point has threshold +inf (accept nothing): not a usable threshold.
    if (!Number.isFinite(roc.thresholds[i]) || roc.far[i] > targetFar) continue
    if (best < 0 || roc.far[i] > roc.far[best] || (roc.far[i] === roc.far[best] && roc.tar[i] > roc.tar[best])) best = i
  }
  return best < 0 ? null : { threshold: roc.thresholds[best], far: roc.far[best], tar: roc.tar[best] }
}

/** A FAR below 10 / impostor pairs rests on fewer than 10 false accepts: noise, so it is flagged. */
export function isFarReliable(far: number, impostorPairs: number): boolean {
  return impostorPairs > 0 && far >= 10 / impostorPairs
}

/** Clamps FAR values for a log axis: 0 cannot be drawn, so it sits at the axis floor. */
export function logAxisFar(far: readonly number[], floor = 1e-6): Float64Array {
  return Float64Array.from(far, (value) => Math.max(floor, value))
}

/** `count` FAR values spaced evenly in log10 from `from` to 1 (inclusive). */
export function logFarGrid(count = 241, from = 1e-6): Float64Array {
  const lo = Math.log10(from)
  return Float64Array.from({ length: count }, (_, i) => Math.pow(10, lo + ((0 - lo) * i) / (count - 1)))
}

/**
 * A ROC resampled on a FAR grid: at each grid FAR the best TAR reachable with FAR ≤ it
 * (the ROC is a step function). Lets several runs share one x axis; NaN before the first
 * reachable point, which the chart leaves blank.
 */
export function rocOnGrid(roc: Pick<RocPoints, 'far' | 'tar'>, grid: Float64Array): Float64Array {
  const out = new Float64Array(grid.length).fill(Number.NaN)
  let j = 0
  let best = Number.NaN
  for (let i = 0; i < grid.length; i++) {
    while (j < roc.far.length && roc.far[j] <= grid[i]) {
      if (!(roc.tar[j] <= best)) best = roc.tar[j]
      j++
    }
    out[i] = best
  }
  return out
}
