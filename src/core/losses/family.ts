// The one interface every loss module implements, and the base the softmax-family losses share.
//
// Intra/inter split of a cross-entropy with target logit t and other logits o_k
// (CE = −t + log(e^t + Σ_k e^{o_k})):
//
//   intra = softplus(−t)                                   = −log σ(t)
//   inter = log(e^t + Σ_k e^{o_k}) − log(e^t + 1)          = CE − intra
//
// intra is D-Softmax's intra term with d = 0 applied to the loss's own (margin-adjusted)
// target logit: the pull on the target alone, measured against one neutral competitor at
// logit 0. inter is how much worse the real competitors are than that neutral one. It
// never exceeds D-Softmax's inter term log(1 + Σ_k e^{o_k}) and tends to it as t → −∞;
// as t grows it fades even when the other classes are close, which is the entanglement
// D-Softmax removes. inter ≥ 0 whenever Σ_k e^{o_k} ≥ 1 and is bounded below by −intra,
// so it dips (slightly) below zero only once the other classes are pushed far away.
import { tf } from '../tf'
import { logSumExpRows, pickTargets } from './ops'
import type { LossName, ResolvedLossParams, SampleParts } from './types'

/** What a loss module gets for one batch. */
export interface CosineBatch {
  /** [batch, classes] cosines (logits for plain softmax). */
  cosines: tf.Tensor2D
  /** [batch] int32 labels. */
  labels: tf.Tensor1D
  /** [batch, classes] bool, true at each row's label. */
  targetMask: tf.Tensor2D
  params: ResolvedLossParams
  /** D-Softmax-K: the negatives to use, int32 class indices; sampled when absent. */
  sampledClasses?: tf.Tensor1D
  rng: () => number
}

/** A softmax-family loss's logits: scale·cos θ_k, the target's cosine rewritten by `targetCosine` first. */
export interface MarginShape {
  scale(p: ResolvedLossParams): number
  targetCosine(zy: tf.Tensor1D, p: ResolvedLossParams): tf.Tensor1D
}

/** One loss: per-sample intra and inter parts from the full cosine matrix. */
export interface LossModule {
  readonly name: LossName
  sampleParts(batch: CosineBatch): SampleParts
  /** Softmax-family losses: their margin, which the fused dense head (denseHead.ts) computes with. */
  readonly margin?: MarginShape
}

/** The split above, from target logits [batch] and a logit matrix whose target column is ignored. */
export function crossEntropyParts(target: tf.Tensor1D, logits: tf.Tensor2D, targetMask: tf.Tensor2D): SampleParts {
  return tf.tidy(() => {
    // logits + mask·(t − logits) puts t in the target column. tf.where would broadcast t with
    // Tile, whose gradient is one Slice and one Add per column (~200 ms at 1000 classes on wasm).
    const mask = tf.cast(targetMask, 'float32')
    const withTarget = tf.add(logits, tf.mul(mask, tf.sub(tf.expandDims(target, 1), logits))) as tf.Tensor2D
    const intra = tf.softplus(tf.neg(target)) as tf.Tensor1D
    const inter = tf.sub(logSumExpRows(withTarget), tf.softplus(target)) as tf.Tensor1D
    return { intra, inter }
  })
}

/**
 * A softmax-family loss: every logit is scale·cos θ_k except the target, which the
 * margin function rewrites (before scaling) from the target cosine.
 */
export function marginLoss(
  name: LossName,
  scale: (p: ResolvedLossParams) => number,
  targetCosine: (zy: tf.Tensor1D, p: ResolvedLossParams) => tf.Tensor1D
): LossModule {
  return {
    name,
    margin: { scale, targetCosine },
    sampleParts({ cosines, targetMask, params }) {
      return tf.tidy(() => {
        const s = scale(params)
        const zy = pickTargets(cosines, targetMask)
        const target = tf.mul(targetCosine(zy, params), s) as tf.Tensor1D
        return crossEntropyParts(target, tf.mul(cosines, s) as tf.Tensor2D, targetMask)
      })
    }
  }
}
