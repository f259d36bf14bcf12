import type { tf } from '../tf'

/** Every loss the product trains with; the order is the order the UI lists them in. */
export type LossName =
  | 'softmax'
  | 'normface'
  | 'sphereface'
  | 'cosface'
  | 'arcface'
  | 'dsoftmax'
  | 'dsoftmax-b'
  | 'dsoftmax-k'

export const LOSS_NAMES: readonly LossName[] = Object.freeze([
  'softmax',
  'normface',
  'sphereface',
  'cosface',
  'arcface',
  'dsoftmax',
  'dsoftmax-b',
  'dsoftmax-k'
] as const)

export function isLossName(value: unknown): value is LossName {
  return typeof value === 'string' && (LOSS_NAMES as readonly string[]).includes(value)
}

export type MarginGradient = 'full' | 'detached'

/** ArcFace's target where cos(θ + m) is not used (see arcface.ts): ours, insightface's, or easy margin. */
export const MARGIN_FALLBACKS = ['continuous', 'insightface', 'easy'] as const
export type MarginFallback = (typeof MARGIN_FALLBACKS)[number]

/** The knobs of all losses; each loss reads only its own (see LOSS_KNOBS). */
export interface LossParams {
  /** Scale of the cosine logits (every loss but plain softmax). */
  s?: number
  /** Margin: additive cosine (CosFace), additive angular in radians (ArcFace), integer multiplier (SphereFace). */
  m?: number
  /** D-Softmax: the cosine at which the intra-class pull ends, in (0, 1). */
  d?: number
  /** D-Softmax-K: fraction of the classes sampled as negatives each step, in (0, 1]. */
  rate?: number
  /** D-Softmax-K: number of classes sampled each step; takes precedence over `rate` when set. */
  count?: number
  /** ArcFace: differentiate through cos(θ + m) ('full') or add the margin as a constant ('detached'). */
  marginGradient?: MarginGradient
  /** ArcFace: the target past the margin's range ('continuous' z − (1 − cos m), 'insightface' z − m·sin m, 'easy' margin). */
  marginFallback?: MarginFallback
  /** SphereFace annealing weight: target = (λ·cos θ + ψ(θ)) / (1 + λ); 0 = pure margin. */
  lambda?: number
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
