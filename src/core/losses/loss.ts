// lossFromCosines: the loss registry and the batch-level entry point over a full cosine matrix.
import { tf } from '../tf'
import { arcFaceLoss } from './arcface'
import { cosFaceLoss } from './cosface'
import { dsoftmaxBLoss, dsoftmaxKLoss, dsoftmaxLoss } from './dsoftmax'
import type { LossModule } from './family'
import { normFaceLoss } from './normface'
import { labelMask } from './ops'
import { checkedLossParams } from './params'
import { softmaxLoss } from './softmax'
import { sphereFaceLoss } from './sphereface'
import type { LossName, LossParams, LossParts, SampleParts } from './types'

export const LOSS_MODULES: Readonly<Record<LossName, LossModule>> = Object.freeze({
  softmax: softmaxLoss,
  normface: normFaceLoss,
  sphereface: sphereFaceLoss,
  cosface: cosFaceLoss,
  arcface: arcFaceLoss,
  dsoftmax: dsoftmaxLoss,
  'dsoftmax-b': dsoftmaxBLoss,
  'dsoftmax-k': dsoftmaxKLoss
})

/** Batch means of per-sample parts; the total is their sum, so the split is exact by construction. */
export function meanParts(parts: SampleParts): LossParts {
  const intra = tf.mean(parts.intra) as tf.Scalar
  const inter = tf.mean(parts.inter) as tf.Scalar
  return { loss: tf.add(intra, inter) as tf.Scalar, intra, inter }
}

export function assertBatch(cosines: tf.Tensor, labels: tf.Tensor, what = 'cosines'): void {
  if (cosines.rank !== 2) throw new Error(`${what} must be [batch, classes], got shape [${cosines.shape.join(', ')}].`)
  if (labels.rank !== 1 || labels.shape[0] !== cosines.shape[0]) {
    throw new Error(`labels must be [${cosines.shape[0]}], got shape [${labels.shape.join(', ')}].`)
  }
}

/**
 * Loss, intra and inter (batch means) from a [batch, classes] cosine matrix (plain
 * softmax: its logits). Differentiable w.r.t. `cosines`. D-Softmax-K uses
 * `sampledClasses` (distinct int32 class indices) when given, else draws a sample with
 * `rng`. Throws on invalid parameters (see validateLossParams).
 */
export function lossFromCosines(
  name: LossName,
  params: LossParams,
  cosines: tf.Tensor2D,
  labels: tf.Tensor1D,
  sampledClasses?: tf.Tensor1D,
  rng: () => number = Math.random
): LossParts {
  const resolved = checkedLossParams(name, params)
  assertBatch(cosines, labels)
  return tf.tidy(() => {
    const targetMask = labelMask(labels, cosines.shape[1])
    const parts = LOSS_MODULES[name].sampleParts({ cosines, labels, targetMask, params: resolved, sampledClasses, rng })
    return meanParts(parts)
  })
}
