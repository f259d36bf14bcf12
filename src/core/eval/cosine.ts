// Cosine similarity scores between embeddings stored row-major in flat typed arrays.

function rowCount(length: number, dim: number, what: string): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`dim must be a positive integer, got ${dim}`)
  if (length % dim !== 0) throw new RangeError(`${what} length ${length} is not a multiple of dim ${dim}`)
  return length / dim
}

/** Cosine of rows a[r] and b[s], accumulated in double precision; NaN if either row is all zero. */
function cosine(a: Float32Array, ra: number, b: Float32Array, rb: number, dim: number): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let k = 0, p = ra * dim, q = rb * dim; k < dim; k++, p++, q++) {
    dot += a[p] * b[q]
    na += a[p] * a[p]
    nb += b[q] * b[q]
  }
  // Normalizing here makes the score right whether or not the inputs were already L2-normalized.
  return dot / Math.sqrt(na * nb)
}

/**
 * Score of pair i = cosine(row i of embeddingsA, row i of embeddingsB). Rows need not be
 * normalized; a zero row gives NaN, which verificationReport rejects.
 */
export function cosineScores(embeddingsA: Float32Array, embeddingsB: Float32Array, dim: number): Float64Array {
  const n = rowCount(embeddingsA.length, dim, 'embeddingsA')
  if (embeddingsB.length !== embeddingsA.length) {
    throw new RangeError(`embeddingsA (${embeddingsA.length}) and embeddingsB (${embeddingsB.length}) differ in length`)
  }
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = cosine(embeddingsA, i, embeddingsB, i, dim)
  return out
}

/** Scores for pairs given as row indices into one embedding matrix (the usual pairs-file layout). */
export function pairCosineScores(
  embeddings: Float32Array,
  dim: number,
  left: ArrayLike<number>,
  right: ArrayLike<number>
): Float64Array {
  const rows = rowCount(embeddings.length, dim, 'embeddings')
  if (left.length !== right.length) throw new RangeError(`left (${left.length}) and right (${right.length}) differ in length`)
  const out = new Float64Array(left.length)
  for (let i = 0; i < left.length; i++) {
    const a = left[i]
    const b = right[i]
    if (!(a >= 0 && a < rows && b >= 0 && b < rows && Number.isInteger(a) && Number.isInteger(b))) {
      throw new RangeError(`pair ${i} indexes rows ${a}, ${b} outside 0..${rows - 1}`)
    }
    out[i] = cosine(embeddings, a, embeddings, b, dim)
  }
  return out
}

/** A copy with every row scaled to unit L2 norm (zero rows stay zero). */
export function l2NormalizeRows(embeddings: Float32Array, dim: number): Float32Array {
  const rows = rowCount(embeddings.length, dim, 'embeddings')
  const out = new Float32Array(embeddings.length)
  for (let r = 0; r < rows; r++) {
    let sq = 0
    for (let k = r * dim; k < (r + 1) * dim; k++) sq += embeddings[k] * embeddings[k]
    const scale = sq > 0 ? 1 / Math.sqrt(sq) : 0
    for (let k = r * dim; k < (r + 1) * dim; k++) out[k] = embeddings[k] * scale
  }
  return out
}
