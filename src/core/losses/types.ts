import type { tf } from '../tf'
import { LOSS_NAMES, isOneOf, type LossName } from '../../common/names'
import type { LossParams } from '../../common/schemas/recipe'

// The loss names and knobs are the recipe's (src/common): one vocabulary for every process.
export type { LossName, LossParams, MarginFallback, MarginGradient } from '../../common/schemas/recipe'
export { LOSS_NAMES, MARGIN_FALLBACKS, MARGIN_GRADIENTS } from '../../common/names'

export function isLossName(value: unknown): value is LossName {
  return isOneOf(LOSS_NAMES, value)
}

/** Every knob filled in; `count` stays optional because its absence means "use rate". */
export type ResolvedLossParams = Required<Omit<LossParams, 'count'>> & { count?: number }

/**
 * Batch means; loss = intra + inter exactly (up to float rounding). A type alias rather
 * than an interface so it fits tf.tidy's TensorContainer: tf.tidy(() => headLoss(...)).
 */
export type LossParts = {
  loss: tf.Scalar
  intra: tf.Scalar
  inter: tf.Scalar
}

/** Per-sample parts, before the batch mean. */
export type SampleParts = {
  intra: tf.Tensor1D
  inter: tf.Tensor1D
}
