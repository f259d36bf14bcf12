// D-Softmax and its fast variants: two independent parts,
//   L_intra = softplus(s·(d − z_y))             depends on the target cosine alone
//   L_inter = log(1 + Σ_{k∈N} e^{s·z_k})        never sees the target cosine
// where N is every other class (D-Softmax), the other classes present in the batch
// (-B) or a random sample of classes minus the target (-K). Removed columns are masked
// with a large negative logit, so their gradient is exactly zero.
import { tf } from '../tf'
import type { LossModule } from './family'
import { NEG_LOGIT, logOnePlusSumExpRows, pickTargets } from './ops'
import { sampleClasses, sampleSize } from './sampling'
import type { SampleParts } from './types'

/**
 * The two parts from target cosines [batch], candidate negative cosines [batch, n] and a
 * [batch, n] bool mask saying which candidates count as negatives for each row.
 */
export function dsoftmaxParts(
  targetCosine: tf.Tensor1D,
  negativeCosines: tf.Tensor2D,
  negativeMask: tf.Tensor2D,
  s: number,
  d: number
): SampleParts {
  return tf.tidy(() => {
    const intra = tf.softplus(tf.mul(tf.sub(d, targetCosine), s)) as tf.Tensor1D
    // A full-size fill, not a broadcast scalar: tf.where would Tile the scalar to the matrix.
    const logits = tf.where(negativeMask, tf.mul(negativeCosines, s), tf.fill(negativeCosines.shape, NEG_LOGIT)) as tf.Tensor2D
    return { intra, inter: logOnePlusSumExpRows(logits) }
  })
}

export const dsoftmaxLoss: LossModule = {
  name: 'dsoftmax',
  sampleParts({ cosines, targetMask, params }) {
    return tf.tidy(() =>
      dsoftmaxParts(pickTargets(cosines, targetMask), cosines, tf.logicalNot(targetMask) as tf.Tensor2D, params.s, params.d)
    )
  }
}

/** In-batch negatives: the classes some row of the batch carries, each row's own excluded. */
export const dsoftmaxBLoss: LossModule = {
  name: 'dsoftmax-b',
  sampleParts({ cosines, targetMask, params }) {
    return tf.tidy(() => {
      const present = tf.any(targetMask, 0, true)
      const negatives = tf.logicalAnd(present, tf.logicalNot(targetMask)) as tf.Tensor2D
      return dsoftmaxParts(pickTargets(cosines, targetMask), cosines, negatives, params.s, params.d)
    })
  }
}

/** Sampled negatives: the given classes, or K drawn without replacement; a row's own class never counts. */
export const dsoftmaxKLoss: LossModule = {
  name: 'dsoftmax-k',
  sampleParts({ cosines, targetMask, params, sampledClasses, rng }) {
    return tf.tidy(() => {
      const classes = cosines.shape[1]
      const sample = sampledClasses ?? tf.tensor1d(sampleClasses(classes, sampleSize(params, classes), rng), 'int32')
      const sampled = tf.any(tf.cast(tf.oneHot(tf.cast(sample, 'int32'), classes), 'bool'), 0, true)
      const negatives = tf.logicalAnd(sampled, tf.logicalNot(targetMask)) as tf.Tensor2D
      return dsoftmaxParts(pickTargets(cosines, targetMask), cosines, negatives, params.s, params.d)
    })
  }
}
