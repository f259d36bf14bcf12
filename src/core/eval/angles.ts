// Angular geometry of an embedding: how tight each class is and how far apart the classes are
// (the paper's Figure 1 measures). Plain TypeScript over typed arrays, no TensorFlow.js.
//
// Definitions (all angles in degrees):
// - Embeddings are compared by direction only: each row x_i is L2-normalized to x̂_i.
// - Class mean direction m_k = normalize(Σ_{i: y_i = k} x̂_i).
// - Intra-class angle of sample i = ∠(x̂_i, m_{y_i}); the mean intra-class angle is its mean over
//   all samples (so every sample weighs the same); per class, the mean over that class's samples.
// - Inter-class angle of classes a ≠ b = ∠(m_a, m_b); reported: the minimum over all pairs and the
//   pair that attains it.
// - Class collapse: a minimum inter-class angle below a threshold (default 5°) means two classes
//   share a direction; reports carry a warning then, never drop it.
// Angles between unit vectors are computed as 2·atan2(‖a − b‖, ‖a + b‖), accurate near 0° and 180°
// where acos of the dot product loses most of its digits.

export const DEFAULT_COLLAPSE_DEGREES = 5

const DEG = 180 / Math.PI

/** Angle in degrees between two unit vectors stored at offsets `i` and `j` of `a` and `b`. */
function unitAngle(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let diff = 0
  let sum = 0
  for (let d = 0; d < dim; d++) {
    const u = a[i + d]
    const v = b[j + d]
    diff += (u - v) * (u - v)
    sum += (u + v) * (u + v)
  }
  return 2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum)) * DEG
}

/** Rows scaled to unit length, in float64. A zero row is an error (it has no direction). */
export function unitRows(rows: ArrayLike<number>, dim: number, what = 'embedding'): Float64Array {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`dimension must be a positive integer, got ${dim}`)
  if (rows.length % dim !== 0) throw new Error(`${rows.length} values are not whole rows of ${dim}`)
  const out = new Float64Array(rows.length)
  for (let r = 0; r < rows.length / dim; r++) {
    let norm = 0
    for (let d = 0; d < dim; d++) norm += rows[r * dim + d] * rows[r * dim + d]
    norm = Math.sqrt(norm)
    if (!(norm > 0) || !Number.isFinite(norm)) throw new Error(`${what} ${r} has no direction (norm ${norm})`)
    for (let d = 0; d < dim; d++) out[r * dim + d] = rows[r * dim + d] / norm
  }
  return out
}

/** m_k for k = 0…classes−1 ([classes × dim], unit rows). Every class needs a sample. */
export function classMeanDirections(
  embeddings: ArrayLike<number>,
  dim: number,
  labels: ArrayLike<number>,
  classes: number
): Float64Array {
  const unit = unitRows(embeddings, dim)
  if (unit.length / dim !== labels.length) throw new Error(`${unit.length / dim} embeddings but ${labels.length} labels`)
  const sums = new Float64Array(classes * dim)
  const counts = new Int32Array(classes)
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i]
    if (!Number.isInteger(k) || k < 0 || k >= classes) throw new Error(`label ${i} = ${k} is not a class in [0, ${classes})`)
    counts[k]++
    for (let d = 0; d < dim; d++) sums[k * dim + d] += unit[i * dim + d]
  }
  const empty = Array.from(counts.keys()).filter((k) => counts[k] === 0)
  if (empty.length > 0)
    throw new Error(`class${empty.length > 1 ? 'es' : ''} ${empty.join(', ')} ha${empty.length > 1 ? 've' : 's'} no samples`)
  return unitRows(sums, dim, 'class mean of class')
}

export interface IntraClassAngles {
  /** Mean over all samples of ∠(x̂_i, m_{y_i}). */
  mean: number
  /** Per class: the mean over its samples. */
  perClass: number[]
  /** Largest single-sample angle. */
  max: number
}

export function intraClassAngles(
  embeddings: ArrayLike<number>,
  dim: number,
  labels: ArrayLike<number>,
  directions: ArrayLike<number>
): IntraClassAngles {
  const unit = unitRows(embeddings, dim)
  const classes = directions.length / dim
  const sums = new Float64Array(classes)
  const counts = new Int32Array(classes)
  let total = 0
  let max = 0
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i]
    const angle = unitAngle(unit, i * dim, directions, k * dim, dim)
    sums[k] += angle
    counts[k]++
    total += angle
    max = Math.max(max, angle)
  }
  return { mean: total / labels.length, perClass: Array.from(sums, (s, k) => s / counts[k]), max }
}

export interface InterClassAngles {
  /** Smallest angle between two distinct directions. */
  min: number
  /** The two classes (a < b) at that angle. */
  closest: [number, number]
  /** Mean over all pairs. */
  mean: number
}

/** Pairwise angles between the rows of a [classes × dim] matrix (any lengths; only directions count). */
export function interClassAngles(rows: ArrayLike<number>, dim: number): InterClassAngles {
  const unit = unitRows(rows, dim, 'direction')
  const classes = unit.length / dim
  if (classes < 2) throw new Error(`inter-class angles need at least 2 classes, got ${classes}`)
  let min = Infinity
  let closest: [number, number] = [0, 1]
  let total = 0
  for (let a = 0; a < classes; a++) {
    for (let b = a + 1; b < classes; b++) {
      const angle = unitAngle(unit, a * dim, unit, b * dim, dim)
      total += angle
      if (angle < min) {
        min = angle
        closest = [a, b]
      }
    }
  }
  return { min, closest, mean: total / ((classes * (classes - 1)) / 2) }
}

export interface AngleReport {
  samples: number
  classes: number
  intra: IntraClassAngles
  /** Between the class mean directions of the embeddings. */
  inter: InterClassAngles
  /** Between the learned class centres, when given. */
  centres?: InterClassAngles
  collapseDegrees: number
  /** True when a minimum inter-class angle (embeddings or centres) is below the threshold. */
  collapsed: boolean
  warnings: string[]
}

export interface AngleReportOptions {
  /** Learned class centres [classes × dim] (the loss head's W), to report their angles too. */
  centres?: ArrayLike<number>
  classNames?: string[]
  collapseDegrees?: number
}

/** Intra- and inter-class angles of labelled embeddings, with a warning for collapsed classes. */
export function angleReport(
  embeddings: ArrayLike<number>,
  dim: number,
  labels: ArrayLike<number>,
  classes: number,
  options: AngleReportOptions = {}
): AngleReport {
  const threshold = options.collapseDegrees ?? DEFAULT_COLLAPSE_DEGREES
  const directions = classMeanDirections(embeddings, dim, labels, classes)
  const intra = intraClassAngles(embeddings, dim, labels, directions)
  const inter = interClassAngles(directions, dim)
  if (options.centres && options.centres.length !== classes * dim) {
    throw new Error(`centres hold ${options.centres.length} values, expected ${classes} × ${dim}`)
  }
  const centres = options.centres ? interClassAngles(options.centres, dim) : undefined
  const warnings: string[] = []
  const check = (angles: InterClassAngles, what: string): void => {
    if (angles.min < threshold) warnings.push(collapseMessage(what, angles, threshold, options.classNames))
  }
  check(inter, 'mean embedding directions')
  if (centres) check(centres, 'learned class centres')
  return {
    samples: labels.length,
    classes,
    intra,
    inter,
    centres,
    collapseDegrees: threshold,
    collapsed: warnings.length > 0,
    warnings
  }
}

/**
 * For any training run: a warning when two learned class centres point (nearly) the same way, or
 * null. Exact over all pairs, O(classes² · dim); above `maxClasses` (default 2000) it returns null
 * rather than stall the end of a run.
 */
export function centreCollapseWarning(
  centres: ArrayLike<number>,
  dim: number,
  options: { classNames?: string[]; collapseDegrees?: number; maxClasses?: number } = {}
): string | null {
  const classes = centres.length / dim
  if (classes < 2 || classes > (options.maxClasses ?? 2000)) return null
  const threshold = options.collapseDegrees ?? DEFAULT_COLLAPSE_DEGREES
  const inter = interClassAngles(centres, dim)
  return inter.min < threshold ? collapseMessage('learned class centres', inter, threshold, options.classNames) : null
}

function collapseMessage(what: string, angles: InterClassAngles, threshold: number, classNames?: string[]): string {
  const [a, b] = angles.closest.map((k) => classNames?.[k] ?? `class ${k}`)
  return (
    `class collapse: the ${what} of ${a} and ${b} are ${angles.min.toFixed(2)}° apart (below ${threshold}°); ` +
    'these classes are not separated. A smaller scale s usually helps in low dimensions.'
  )
}
