/** 2-D projections of embeddings for the embedding view: PCA (exact, by power iteration) and UMAP. */
import { UMAP } from 'umap-js'
import { createRng } from '../../core/util/rng'

/**
 * Top-`k` principal components of `rows` (n × dim, row-major): the projected coordinates (n × k)
 * and the fraction of the variance each component explains.
 */
export function pca(rows: Float32Array | Float64Array, dim: number, k = 2): { coords: Float64Array; explained: number[] } {
  const n = rows.length / dim
  const mean = new Float64Array(dim)
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += rows[i * dim + j] / n
  const cov = new Float64Array(dim * dim)
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) {
      const xa = rows[i * dim + a] - mean[a]
      if (xa === 0) continue
      for (let b = a; b < dim; b++) cov[a * dim + b] += (xa * (rows[i * dim + b] - mean[b])) / Math.max(1, n - 1)
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a]
  let total = 0
  for (let a = 0; a < dim; a++) total += cov[a * dim + a]
  const components: Float64Array[] = []
  const explained: number[] = []
  const rng = createRng(7)
  for (let c = 0; c < k; c++) {
    let v = Float64Array.from({ length: dim }, () => rng.next() - 0.5)
    let eigen = 0
    for (let iter = 0; iter < 500; iter++) {
      const w = new Float64Array(dim)
      for (let a = 0; a < dim; a++) {
        let sum = 0
        for (let b = 0; b < dim; b++) sum += cov[a * dim + b] * v[b]
        w[a] = sum
      }
      // Deflate: stay orthogonal to the components already found.
      for (const u of components) {
        let dot = 0
        for (let a = 0; a < dim; a++) dot += w[a] * u[a]
        for (let a = 0; a < dim; a++) w[a] -= dot * u[a]
      }
      const norm = Math.hypot(...w)
      if (norm === 0) break
      let change = 0
      for (let a = 0; a < dim; a++) {
        const next = w[a] / norm
        change += Math.abs(next - v[a])
        w[a] = next
      }
      v = w
      eigen = norm
      if (change < 1e-10) break
    }
    components.push(v)
    explained.push(total > 0 ? eigen / total : 0)
  }
  const coords = new Float64Array(n * k)
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let sum = 0
      for (let a = 0; a < dim; a++) sum += (rows[i * dim + a] - mean[a]) * components[c][a]
      coords[i * k + c] = sum
    }
  }
  return { coords, explained }
}

/** UMAP to 2-D with a seeded random source (the same points give the same picture). */
export function umap2d(rows: Float32Array, dim: number, onEpoch?: (fraction: number) => void): Float64Array {
  const n = rows.length / dim
  const data = Array.from({ length: n }, (_, i) => Array.from(rows.subarray(i * dim, (i + 1) * dim)))
  const rng = createRng(11)
  const model = new UMAP({ nComponents: 2, nNeighbors: Math.max(2, Math.min(15, n - 1)), random: () => rng.next() })
  const epochs = model.initializeFit(data)
  for (let e = 0; e < epochs; e++) {
    model.step()
    if (onEpoch && e % 50 === 0) onEpoch(e / epochs)
  }
  return Float64Array.from(model.getEmbedding().flat())
}
