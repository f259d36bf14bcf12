/**
 * The training recipe as it crosses the contract: the engine's TrainConfig
 * (src/core/train/config.ts), restated as a schema because src/common never imports the
 * engine. The schema checks shape and types; the engine's validateTrainConfig checks the
 * semantics (positive sizes, known schedules, …) and says why in words (`training:validate`).
 */
import { z } from 'zod'
import { userPathSchema } from './base'

/** Backbones known when this was written; the engine may offer more (`training:catalog` lists them). */
export const BACKBONE_NAMES = ['glyph-cnn', 'glyph-cnn-linear', 'face-resnet', 'reference-net', 'mobilefacenet', 'ir-18', 'ir-34', 'ir-50'] as const
/** A backbone name: checked against the engine's list by `training:validate`, not frozen here. */
export const backboneNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'not a backbone name')
export const LOSS_NAMES = ['softmax', 'normface', 'sphereface', 'cosface', 'arcface', 'dsoftmax', 'dsoftmax-b', 'dsoftmax-k'] as const
export const OPTIMIZER_KINDS = ['sgd', 'adam', 'adamw'] as const
export const SCHEDULE_KINDS = ['constant', 'cosine', 'step', 'polynomial'] as const
export const VALIDATION_METRICS = ['auc', 'tenFold', 'eer'] as const
/**
 * Backends a run may be forced onto (the trainer's names), in the order automatic selection tries
 * them; absent = the fastest that works.
 */
export const TRAIN_BACKENDS = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'] as const

export const lossParamsSchema = z.strictObject({
  s: z.number().optional(),
  m: z.number().optional(),
  d: z.number().optional(),
  rate: z.number().optional(),
  count: z.number().int().optional(),
  marginGradient: z.enum(['full', 'detached']).optional(),
  marginFallback: z.enum(['continuous', 'insightface', 'easy']).optional(),
  lambda: z.number().optional()
})

const centreGroupSchema = z.strictObject({ lrFactor: z.number().optional(), weightDecay: z.number().optional() })
const optimizerCommon = {
  lr: z.number(),
  weightDecay: z.number(),
  centres: centreGroupSchema.optional(),
  clipNorm: z.number().optional()
}
export const optimizerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sgd'), ...optimizerCommon, momentum: z.number(), nesterov: z.boolean().optional() }),
  z.strictObject({
    kind: z.enum(['adam', 'adamw']),
    ...optimizerCommon,
    beta1: z.number().optional(),
    beta2: z.number().optional(),
    epsilon: z.number().optional()
  })
])

const warmupSteps = z.number().int().optional()
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), warmupSteps }),
  z.strictObject({ kind: z.literal('cosine'), warmupSteps, minFactor: z.number().optional() }),
  z.strictObject({ kind: z.literal('step'), warmupSteps, milestones: z.array(z.number()).max(32), gamma: z.number() }),
  z.strictObject({ kind: z.literal('polynomial'), warmupSteps, power: z.number(), minFactor: z.number().optional() })
])

export const augmentationSchema = z.strictObject({
  shift: z.number(),
  flip: z.boolean(),
  scale: z.number().optional(),
  brightness: z.number().optional(),
  contrast: z.number().optional()
})

export const trainRecipeSchema = z.strictObject({
  preset: z.string().max(64),
  dataset: z.enum(['fonts', 'fonts-chars', 'files']),
  /** Own data: training images, validation pairs (pick checkpoints), held-out test pairs (evaluated once at the end). */
  data: z.strictObject({ train: userPathSchema, val: userPathSchema.optional(), test: userPathSchema.optional() }).optional(),
  backbone: backboneNameSchema,
  embeddingDim: z.number().int(),
  inputSize: z.number().int(),
  loss: z.enum(LOSS_NAMES),
  lossParams: lossParamsSchema,
  optimizer: optimizerSchema,
  schedule: scheduleSchema,
  batchSize: z.number().int(),
  epochs: z.number(),
  steps: z.number().int().optional(),
  augment: augmentationSchema,
  evalFlip: z.boolean(),
  replicas: z.union([z.number().int(), z.literal('auto')]),
  validateEvery: z.number().int(),
  validateEverySteps: z.number().int().optional(),
  bestMetric: z.enum(VALIDATION_METRICS).optional(),
  checkpointEverySteps: z.number().int().optional(),
  keepCheckpoints: z.number().int().optional(),
  softmaxWarmupEpochs: z.number().optional(),
  lambdaAnnealing: z.strictObject({ base: z.number(), gamma: z.number(), power: z.number(), min: z.number() }).optional(),
  divergence: z.strictObject({ lrBackoff: z.number(), maxBackoffs: z.number().int() }).optional(),
  centreStorage: z.enum(['float32', 'float16']).optional(),
  seed: z.number().int()
})
export type TrainRecipe = z.infer<typeof trainRecipeSchema>
export type LossName = (typeof LOSS_NAMES)[number]
export type BackboneName = string
