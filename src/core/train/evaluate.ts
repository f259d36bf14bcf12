// Verification evaluation of a backbone on a pair set: embed every image the pairs use once,
// score each pair by cosine similarity, and compute the field's metrics from the raw scores.
import type { PairSet } from '../data/imageSets'
import { embedImages, type Backbone } from '../models'
import { pairCosineScores, verificationReport, type VerificationReport } from '../eval'

export interface PairEvaluation {
  set: string
  flip: boolean
  report: VerificationReport
  /** Raw per-pair cosine scores and labels, in pair order, so any metric can be recomputed. */
  scores: Float64Array
  labels: Uint8Array
}

export async function evaluatePairs(
  backbone: Backbone,
  set: PairSet,
  options: { flip: boolean; batchSize?: number }
): Promise<PairEvaluation> {
  const used = [...new Set(set.pairs.flatMap((p) => [p.a, p.b]))].sort((a, b) => a - b)
  const row = new Map(used.map((image, i) => [image, i]))
  const embeddings = await embedImages(backbone, set.images, used, { flip: options.flip, batchSize: options.batchSize })
  const left = set.pairs.map((p) => row.get(p.a) as number)
  const right = set.pairs.map((p) => row.get(p.b) as number)
  const scores = pairCosineScores(embeddings, backbone.embeddingDim, left, right)
  const labels = Uint8Array.from(set.pairs, (p) => (p.same ? 1 : 0))
  return { set: set.name, flip: options.flip, report: verificationReport(labels, scores), scores, labels }
}
