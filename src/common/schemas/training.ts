/** Training: presets, recipe checks with estimates, start/pause/resume/stop (`training:*`). */
import { z } from 'zod'
import { runIdSchema, textSchema } from './base'
import { LOSS_NAMES, TRAIN_BACKENDS, backboneNameSchema, trainRecipeSchema } from './recipe'

export const presetSchema = z.strictObject({
  name: z.string(),
  /** One line: what it trains and how long it takes. */
  description: z.string(),
  recipe: trainRecipeSchema,
  default: z.boolean()
})

/** A loss knob with its meaning in one line (the New-run form shows these). */
export const lossKnobSchema = z.strictObject({
  name: z.enum(['s', 'm', 'd', 'rate', 'count', 'lambda', 'marginGradient', 'marginFallback']),
  label: z.string(),
  explanation: z.string(),
  /** 'radians' for ArcFace's margin: show degrees beside it. */
  unit: z.enum(['none', 'radians', 'cosine', 'multiplier', 'fraction', 'classes']),
  default: z.union([z.number(), z.string()]).nullable()
})

/** `training:catalog`: what the New-run form offers. */
export const trainingCatalogSchema = z.strictObject({
  presets: z.array(presetSchema),
  backbones: z.array(
    z.strictObject({
      name: backboneNameSchema,
      description: z.string(),
      inputSize: z.number().int(),
      channels: z.number().int(),
      embeddingDim: z.number().int()
    })
  ),
  losses: z.array(z.strictObject({ name: z.enum(LOSS_NAMES), label: z.string(), knobs: z.array(lossKnobSchema) })),
  backends: z.array(z.enum(TRAIN_BACKENDS))
})
export type TrainingCatalog = z.infer<typeof trainingCatalogSchema>

export const validateRecipeRequestSchema = z.strictObject({ recipe: trainRecipeSchema })

/** Rough cost of a recipe before it starts, and how it was worked out. */
export const estimateSchema = z.strictObject({
  parameters: z.number(),
  macsPerImage: z.number(),
  /** Examples and steps per epoch (null when the data cannot be read yet). */
  examples: z.number().nullable(),
  classes: z.number().nullable(),
  stepsPerEpoch: z.number().nullable(),
  totalSteps: z.number().nullable(),
  /** Peak memory of the trainer process, bytes (weights, optimizer state, activations, centres). */
  memoryBytes: z.number(),
  /** GPU memory one step needs on a GPU backend, and the largest single tensor (WebGPU limits each buffer). */
  gpu: z.strictObject({ memoryBytes: z.number(), largestTensorBytes: z.number(), largestTensor: z.string() }),
  secondsPerEpoch: z.number().nullable(),
  /** How the time was estimated, in words (e.g. "at 33 img/s measured for wasm on 2 cores"). */
  basis: z.string(),
  /** This machine's speed is being measured now: asked again shortly, the time is the measured one. */
  speedPending: z.boolean().optional()
})
export type Estimate = z.infer<typeof estimateSchema>

export const recipeCheckSchema = z.strictObject({
  /** Empty when the recipe can start; otherwise each problem in words. */
  problems: z.array(z.string()),
  /** Absent when the recipe is too broken to size. */
  estimate: estimateSchema.optional()
})
export type RecipeCheck = z.infer<typeof recipeCheckSchema>

export const startTrainingRequestSchema = z.discriminatedUnion('kind', [
  /** Quick start: the default preset on the bundled dataset. */
  z.strictObject({ kind: z.literal('quick') }),
  z.strictObject({
    kind: z.literal('recipe'),
    recipe: trainRecipeSchema,
    name: textSchema.optional(),
    backend: z.enum(TRAIN_BACKENDS).optional()
  })
])
export type StartTrainingRequest = z.infer<typeof startTrainingRequestSchema>

/** The state of one training this host runs (or ran) — enough for the dashboard to attach. */
export const trainingStateSchema = z.strictObject({
  runId: z.string(),
  runDir: z.string(),
  phase: z.enum(['starting', 'running', 'paused', 'stopping', 'finished', 'stopped', 'failed', 'interrupted']),
  backend: z.string(),
  device: z.string(),
  dataset: z.strictObject({ name: z.string(), examples: z.number(), classes: z.number(), valPairs: z.number() }),
  model: z.strictObject({ backbone: z.string(), parameters: z.number(), macsPerImage: z.number() }),
  step: z.number(),
  totalSteps: z.number(),
  stepsPerEpoch: z.number(),
  epoch: z.number(),
  imagesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  /** Set once it ended badly: what happened, in words. */
  message: z.string().optional()
})
export type TrainingState = z.infer<typeof trainingStateSchema>

export const runControlRequestSchema = z.strictObject({ runId: runIdSchema })
export const resumeRunRequestSchema = z.strictObject({ runId: runIdSchema, backend: z.enum(TRAIN_BACKENDS).optional() })
