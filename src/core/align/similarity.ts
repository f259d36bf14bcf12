// Least-squares similarity transform between two point sets in the plane (Umeyama 1991, the
// estimate insightface and scikit-image use), in closed form: with the points centred, the
// rotation and scale come from the cross-covariance, the shift from the means.
export type Point = readonly [number, number]

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty (a = s·cos θ, b = s·sin θ). */
export interface Similarity {
  a: number
  b: number
  tx: number
  ty: number
}

/** The transform that maps `from` onto `to` with the least summed squared distance. */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  if (from.length !== to.length || from.length < 2)
    throw new Error(`fitSimilarity needs two equal lists of at least 2 points, got ${from.length} and ${to.length}`)
  const n = from.length
  const mean = (points: readonly Point[], axis: 0 | 1): number => points.reduce((sum, p) => sum + p[axis], 0) / n
  const fx = mean(from, 0)
  const fy = mean(from, 1)
  const tx = mean(to, 0)
  const ty = mean(to, 1)
  // In 2-D the Umeyama SVD reduces to two sums: the rotation angle is atan2(sin-part, cos-part)
  // of the cross-covariance and the scale is its norm over the source variance.
  let cos = 0
  let sin = 0
  let variance = 0
  for (let i = 0; i < n; i++) {
    const x = from[i][0] - fx
    const y = from[i][1] - fy
    const u = to[i][0] - tx
    const v = to[i][1] - ty
    cos += x * u + y * v
    sin += x * v - y * u
    variance += x * x + y * y
  }
  if (variance === 0) throw new Error('fitSimilarity: the source points coincide')
  const a = cos / variance
  const b = sin / variance
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) }
}

export function applySimilarity(t: Similarity, [x, y]: Point): Point {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty]
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b
  if (d === 0) throw new Error('invertSimilarity: the transform has zero scale')
  const a = t.a / d
  const b = -t.b / d
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) }
}

export function similarityScale(t: Similarity): number {
  return Math.hypot(t.a, t.b)
}

export function similarityDegrees(t: Similarity): number {
  return (Math.atan2(t.b, t.a) * 180) / Math.PI
}
