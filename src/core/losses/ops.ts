// Small numerically careful building blocks shared by the loss modules.
import { tf } from '../tf'

/** Stands in for a removed logit: exp(NEG_LOGIT − max) is exactly 0 in float32. */
export const NEG_LOGIT = -1e9

/** Keeps acos / sqrt(1 − z²) away from ±1, where their derivatives are infinite. */
export const COS_EPS = 1e-6

/** Floor under 1 − z² before a square root: exact enough at |z| = 1, zero gradient there. */
export const SIN_FLOOR = 1e-12

const NORM_EPS = 1e-12

/** Identity in the forward pass, zero gradient: tfjs has no stopGradient op. */
export const detach: <T extends tf.Tensor>(x: T) => T = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc) => {
  const input = x as tf.Tensor
  return { value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) }
}) as <T extends tf.Tensor>(x: T) => T

/**
 * log Σ exp along the last axis of a [rows, cols] tensor, shifted by the row maximum. The
 * gradient is written out as the row softmax e^{x − lse}: exact, and it skips the gradient of
 * the max (an Equal over the whole matrix that tf.logSumExp pays for a near-zero residue).
 */
export const logSumExpRows: (x: tf.Tensor2D) => tf.Tensor1D = tf.customGrad(
  (input: tf.Tensor | tf.GradSaveFunc, save?: tf.Tensor | tf.GradSaveFunc) => {
    const x = input as tf.Tensor2D
    const shift = tf.max(x, 1, true)
    const value = tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, shift)), 1)), tf.reshape(shift, [-1]))
    ;(save as tf.GradSaveFunc)([x, value])
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.mul(tf.expandDims(dy, 1), tf.exp(tf.sub(saved[0], tf.expandDims(saved[1], 1))))
    }
  }
) as (x: tf.Tensor2D) => tf.Tensor1D

/** log(1 + Σ_k e^{x_k}) per row: logsumexp with a fixed 0 logit, as in D-Softmax's inter term. */
export function logOnePlusSumExpRows(x: tf.Tensor2D): tf.Tensor1D {
  // log(1 + e^{lse(x)}) = softplus(lse(x)): no concatenated zero column to copy and slice back.
  return tf.tidy(() => tf.softplus(logSumExpRows(x)) as tf.Tensor1D)
}

/** Rows scaled to unit length; the floor keeps a zero row (and its gradient) finite. */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPS))) as tf.Tensor2D)
}

/** [batch, classes] boolean mask of each row's label column. */
export function labelMask(labels: tf.Tensor1D, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'bool') as tf.Tensor2D)
}

/** Each row's entry at its label column, [batch]; gradient reaches that column only. */
export function pickTargets(values: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.where(mask, values, tf.zerosLike(values)), 1) as tf.Tensor1D)
}

/** Cosines clamped into (−1 + ε, 1 − ε). */
export function clampCosine<T extends tf.Tensor>(z: T): T {
  return tf.clipByValue(z, -1 + COS_EPS, 1 - COS_EPS)
}
