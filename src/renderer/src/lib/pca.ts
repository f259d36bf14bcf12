/**
 * 2-D PCA of embedding rows for the projection view: centre the rows, find the two leading
 * eigenvectors of the covariance by power iteration with deflation, and project. Small and
 * dependency-free; embeddings here are a few thousand rows of ≤ 512 dimensions.
 */
export interface Projection2D {
  points: [number, number][]
  /** Share of the total variance each axis explains. */
  explained: [number, number]
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i]
  return sum
}

/** Covariance-vector product without forming the D×D matrix: Xᵀ(Xv)/n. */
function covarianceTimes(rows: Float64Array[], v: Float64Array): Float64Array {
  const out = new Float64Array(v.length)
  for (const row of rows) {
    const projection = dot(row, v)
    for (let i = 0; i < v.length; i++) out[i] += projection * row[i]
  }
  for (let i = 0; i < out.length; i++) out[i] /= rows.length
  return out
}

function leadingComponent(
  rows: Float64Array[],
  dims: number,
  orthogonalTo: Float64Array | null
): { vector: Float64Array; value: number } {
  // Deterministic, not axis-aligned start so a component is never missed by symmetry.
  let v: Float64Array = Float64Array.from({ length: dims }, (_, i) => 1 + ((i * 7919) % 13) / 13)
  let value = 0
  for (let iteration = 0; iteration < 200; iteration++) {
    if (orthogonalTo) {
      const overlap = dot(v, orthogonalTo)
      for (let i = 0; i < dims; i++) v[i] -= overlap * orthogonalTo[i]
    }
    const next = covarianceTimes(rows, v)
    if (orthogonalTo) {
      const overlap = dot(next, orthogonalTo)
      for (let i = 0; i < dims; i++) next[i] -= overlap * orthogonalTo[i]
    }
    const norm = Math.sqrt(dot(next, next))
    if (norm === 0) return { vector: v, value: 0 }
    for (let i = 0; i < dims; i++) next[i] /= norm
    const change = 1 - Math.abs(dot(next, v) / Math.sqrt(dot(v, v)))
    v = next
    value = norm
    if (change < 1e-12) break
  }
  return { vector: v, value }
}

export function pca2d(data: readonly (readonly number[])[]): Projection2D {
  if (data.length === 0) return { points: [], explained: [0, 0] }
  const dims = data[0].length
  const mean = new Float64Array(dims)
  for (const row of data) for (let i = 0; i < dims; i++) mean[i] += row[i] / data.length
  const rows = data.map((row) => Float64Array.from(row, (value, i) => value - mean[i]))
  const total = rows.reduce((sum, row) => sum + dot(row, row), 0) / rows.length
  const first = leadingComponent(rows, dims, null)
  const second = dims > 1 ? leadingComponent(rows, dims, first.vector) : { vector: new Float64Array(dims), value: 0 }
  return {
    points: rows.map((row) => [dot(row, first.vector), dot(row, second.vector)]),
    explained: total > 0 ? [first.value / total, second.value / total] : [0, 0]
  }
}
