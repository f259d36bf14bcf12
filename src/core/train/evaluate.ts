// Verification evaluation of a backbone on a pair set: embed every image the pairs use once,
// score each pair by cosine similarity, and compute the field's metrics from the raw scores.
import type { PairSet } from '../data/imageSets'
import { embedImages, type Backbone } from '../models'
import { verificationReport, type VerificationReport } from '../eval'

export interface PairEvaluation {
  set: string
  flip: boolean
  report: VerificationReport
  /** Raw per-pair cosine scores and labels, in pair order, so any metric can be recomputed. */
  scores: Float32Array
  labels: Uint8Array
}

export function evaluatePairs(backbone: Backbone, set: PairSet, options: { flip: boolean; batchSize?: number }): PairEvaluation {
  const used = [...new Set(set.pairs.flatMap((p) => [p.a, p.b]))].sort((a, b) => a - b)
  const row = new Map(used.map((image, i) => [image, i]))
  const dim = backbone.embeddingDim
  const embeddings = embedImages(backbone, set.images, used, { flip: options.flip, batchSize: options.batchSize })
  const scores = new Float32Array(set.pairs.length)
  const labels = new Uint8Array(set.pairs.length)
  set.pairs.forEach((pair, i) => {
    const a = (row.get(pair.a) as number) * dim
    const b = (row.get(pair.b) as number) * dim
    let dot = 0
    for (let k = 0; k < dim; k++) dot += embeddings[a + k] * embeddings[b + k]
    scores[i] = dot
    labels[i] = pair.same ? 1 : 0
  })
  return { set: set.name, flip: options.flip, report: verificationReport(labels, scores), scores, labels }
}
