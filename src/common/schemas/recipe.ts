/**
 * The training recipe: the one definition every process shares. The engine's TrainConfig is the
 * type inferred here, and a run folder's config.json is exactly this object (plus where and how
 * it ran). The schema checks shape and types; the engine's validateTrainConfig checks the
 * semantics (positive sizes, sparse-head limits, unread knobs, …) and says why in words
 * (`training:validate`).
 */
import { z } from 'zod'
import { MAX_LIST_ITEMS, MAX_TEXT_CHARS, userPathSchema } from './base'
import {
  BACKBONE_NAMES,
  CENTRE_STORAGES,
  LOSS_NAMES,
  MARGIN_FALLBACKS,
  MARGIN_GRADIENTS,
  OPTIMIZER_KINDS,
  SCHEDULE_KINDS,
  TRAIN_BACKENDS,
  VALIDATION_METRICS,
  type LossName,
  type OptimizerKind,
  type ScheduleKind
} from '../names'

export {
  BACKBONE_NAMES,
  CENTRE_STORAGES,
  LOSS_NAMES,
  MARGIN_FALLBACKS,
  MARGIN_GRADIENTS,
  OPTIMIZER_KINDS,
  SCHEDULE_KINDS,
  TRAIN_BACKENDS,
  VALIDATION_METRICS
}
export type {
  BackboneName,
  CentreStorage,
  LossName,
  MarginFallback,
  MarginGradient,
  OptimizerKind,
  ScheduleKind,
  TrainBackend,
  ValidationMetric
} from '../names'

export const backboneNameSchema = z.enum(BACKBONE_NAMES)

/** The knobs of all losses; each loss reads only its own (the engine's LOSS_KNOBS). */
export const lossParamsSchema = z.strictObject({
  /** Scale of the cosine logits (every loss but plain softmax). */
  s: z.number().optional(),
  /** Margin: additive cosine (CosFace), additive angular in radians (ArcFace), integer multiplier (SphereFace). */
  m: z.number().optional(),
  /** D-Softmax: the cosine at which the intra-class pull ends, in (0, 1). */
  d: z.number().optional(),
  /** D-Softmax-K: fraction of the classes sampled as negatives each step, in (0, 1]. */
  rate: z.number().optional(),
  /** D-Softmax-K: number of classes sampled each step; takes precedence over `rate` when set. */
  count: z.number().int().optional(),
  marginGradient: z.enum(MARGIN_GRADIENTS).optional(),
  /** ArcFace: the target past the margin's range ('continuous' z − (1 − cos m), 'insightface' z − m·sin m, 'easy' margin). */
  marginFallback: z.enum(MARGIN_FALLBACKS).optional(),
  /** SphereFace annealing weight: target = (λ·cos θ + ψ(θ)) / (1 + λ); 0 = pure margin. */
  lambda: z.number().optional()
})
export type LossParams = z.infer<typeof lossParamsSchema>
export type LossKnob = keyof LossParams

/** Which knobs each loss reads: the engine validates only these, the UI shows only these. */
export const LOSS_KNOBS: Readonly<Record<LossName, readonly LossKnob[]>> = Object.freeze({
  softmax: [],
  normface: ['s'],
  sphereface: ['s', 'm', 'lambda'],
  cosface: ['s', 'm'],
  arcface: ['s', 'm', 'marginGradient', 'marginFallback'],
  dsoftmax: ['s', 'd'],
  'dsoftmax-b': ['s', 'd'],
  'dsoftmax-k': ['s', 'd', 'rate', 'count']
})

/** Overrides for the class-centre group (head/centres, head/bias). */
export const centreGroupSchema = z.strictObject({
  /** Centre learning rate = this × the scheduled rate (default 1). */
  lrFactor: z.number().optional(),
  /** Weight decay of the centres (default: the optimizer's). */
  weightDecay: z.number().optional()
})
export type CentreGroupConfig = z.infer<typeof centreGroupSchema>

const optimizerCommon = {
  lr: z.number(),
  weightDecay: z.number(),
  centres: centreGroupSchema.optional(),
  /** Clip the gradient to this global L2 norm before the update (absent or 0 = no clipping). */
  clipNorm: z.number().optional()
}
// Each union member names its kinds from the list (`satisfies` refuses a name not in it); a test
// checks that the members together cover the list.
export const sgdSchema = z.strictObject({
  kind: z.literal('sgd' satisfies OptimizerKind),
  ...optimizerCommon,
  momentum: z.number(),
  nesterov: z.boolean().optional()
})
/** Adam adds weight decay to the gradient (L2); AdamW decays the weights directly (decoupled). */
export const adamSchema = z.strictObject({
  kind: z.enum(['adam', 'adamw'] satisfies OptimizerKind[]),
  ...optimizerCommon,
  beta1: z.number().optional(),
  beta2: z.number().optional(),
  epsilon: z.number().optional()
})
export const optimizerSchema = z.discriminatedUnion('kind', [sgdSchema, adamSchema])
export type SgdConfig = z.infer<typeof sgdSchema>
export type AdamConfig = z.infer<typeof adamSchema>
export type OptimizerConfig = z.infer<typeof optimizerSchema>

const warmupSteps = z.number().int().optional()
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant' satisfies ScheduleKind), warmupSteps }),
  /** minFactor: the floor as a fraction of the base rate. */
  z.strictObject({ kind: z.literal('cosine' satisfies ScheduleKind), warmupSteps, minFactor: z.number().optional() }),
  /** Multiply by `gamma` at each milestone, given as fractions of the whole run (e.g. [0.5, 0.75]). */
  z.strictObject({
    kind: z.literal('step' satisfies ScheduleKind),
    warmupSteps,
    milestones: z.array(z.number()).max(32),
    gamma: z.number()
  }),
  /** base·(1 − progress)^power down to a floor (power 1 = linear decay). */
  z.strictObject({
    kind: z.literal('polynomial' satisfies ScheduleKind),
    warmupSteps,
    power: z.number(),
    minFactor: z.number().optional()
  })
])
export type ScheduleConfig = z.infer<typeof scheduleSchema>

export const augmentationSchema = z.strictObject({
  /** Largest random shift in pixels, each axis (0 = none). */
  shift: z.number(),
  /** Random horizontal mirror. Off for glyphs: letters are not mirror-symmetric. */
  flip: z.boolean(),
  /** Largest random zoom, relative (0.1 = scale in [0.9, 1.1]); photo datasets only. */
  scale: z.number().optional(),
  /** Largest random brightness offset in [-1, 1] units (0.1 = ±0.1); photo datasets only. */
  brightness: z.number().optional(),
  /** Largest random relative contrast change (0.2 = ×[0.8, 1.2]); photo datasets only. */
  contrast: z.number().optional()
})
export type Augmentation = z.infer<typeof augmentationSchema>

/** SphereFace's λ schedule: λ = max(min, base·(1 + gamma·step)^(−power)). */
export const lambdaAnnealingSchema = z.strictObject({ base: z.number(), gamma: z.number(), power: z.number(), min: z.number() })
export type LambdaAnnealing = z.infer<typeof lambdaAnnealingSchema>

export const divergencePolicySchema = z.strictObject({
  /** On NaN/Inf: go back to the last good checkpoint and multiply the learning rate by this (0 < f < 1). */
  lrBackoff: z.number(),
  /** Give up (stop with the message) after this many back-offs. */
  maxBackoffs: z.number().int()
})
export type DivergencePolicy = z.infer<typeof divergencePolicySchema>

/**
 * Training data on disk, when dataset is 'files'. `val`: validation pairs (pick checkpoints);
 * `extraVal`: further pair sets validated at the same steps as `val`; `test`: held-out pairs
 * evaluated once, on the final weights, never used to pick a checkpoint.
 */
export const recipeDataSchema = z.strictObject({
  train: userPathSchema,
  val: userPathSchema.optional(),
  extraVal: z.array(userPathSchema).max(MAX_LIST_ITEMS).optional(),
  test: userPathSchema.optional()
})

export const trainRecipeSchema = z.strictObject({
  /** Preset the recipe started from, for the record. */
  preset: z.string().max(64),
  /** 'fonts' is the bundled font-identity set; 'fonts-chars' labels the same glyphs by character; 'files' reads `data`. */
  dataset: z.enum(['fonts', 'fonts-chars', 'files']),
  data: recipeDataSchema.optional(),
  backbone: backboneNameSchema,
  embeddingDim: z.number().int(),
  inputSize: z.number().int(),
  loss: z.enum(LOSS_NAMES),
  lossParams: lossParamsSchema,
  optimizer: optimizerSchema,
  schedule: scheduleSchema,
  batchSize: z.number().int(),
  /** Length of the run: whole epochs (may be fractional) unless `steps` is given. */
  epochs: z.number(),
  steps: z.number().int().optional(),
  augment: augmentationSchema,
  /** Evaluate with flip-augmented embeddings as well (off for glyphs). */
  evalFlip: z.boolean(),
  /**
   * Data-parallel replicas (threads), each computing the gradient of an equal share of the batch;
   * 'auto' = one per core on the single-threaded wasm/cpu backends. The result does not depend on
   * the count beyond float rounding: batch norm takes the whole batch's moments across replicas and
   * sparse heads draw one set of negatives per batch. A resume reuses the count the run recorded.
   */
  replicas: z.union([z.number().int(), z.literal('auto')]),
  /** Validate on the val pairs every this many epochs (0 = only at the end). */
  validateEvery: z.number().int(),
  /** Validate every this many steps instead (takes precedence over validateEvery when > 0). */
  validateEverySteps: z.number().int().optional(),
  /** The metric that picks checkpoints/best (default auc). */
  bestMetric: z.enum(VALIDATION_METRICS).optional(),
  /** The validation set (its name: the file name without extension) whose metric picks checkpoints/best; default the first. */
  bestSet: z.string().min(1).max(MAX_TEXT_CHARS).optional(),
  /** Write a checkpoint every this many steps (0/absent: at each epoch end); always at stop. */
  checkpointEverySteps: z.number().int().optional(),
  /** Step checkpoints kept besides the best (default 3). */
  keepCheckpoints: z.number().int().optional(),
  /** Train with plain Softmax (x·Wᵀ on the same centres) for this many epochs first. */
  softmaxWarmupEpochs: z.number().optional(),
  /** SphereFace only: anneal λ per step instead of using lossParams.lambda. */
  lambdaAnnealing: lambdaAnnealingSchema.optional(),
  /** NaN/Inf handling: absent = stop at the last good checkpoint; set = back off and continue. */
  divergence: divergencePolicySchema.optional(),
  /**
   * D-Softmax-B/-K: how the sparse centre store holds centres and momentum (default float32);
   * float16 halves their memory and checkpoint size, the arithmetic stays float32.
   */
  centreStorage: z.enum(CENTRE_STORAGES).optional(),
  seed: z.number().int()
})
/** The whole recipe of a training run: everything that affects the result. */
export type TrainRecipe = z.infer<typeof trainRecipeSchema>
