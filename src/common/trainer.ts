/**
 * The trainer process's vocabulary: commands a host sends it, events it sends back, and the
 * progress payload that the engine, the process channel, metrics.jsonl and the dashboard share.
 * One protocol for both launchers (Electron's utilityProcess, Node's child_process.fork); each
 * end checks what it receives with these schemas (src/common/messages.ts).
 *
 * Names, one per layer, so none is mistaken for another:
 * - `TrainEvent` / `StepEvent` (src/core/train/trainer.ts): the engine's training loop.
 * - `TrainerCommand`: host → trainer process (start, pause, resume, stop).
 * - `TrainerProcessEvent`: trainer process → host (ready, started, progress, …, failed).
 * - `RunEvent`: what a host knows about one run: a `TrainerProcessEvent`, or `exited` when the
 *   process ended without saying finished or failed (crash, out of memory, killed).
 * - `TrainingEvent` (./schemas/events.ts): the `training:event` push payload, `{ runId, event: RunEvent }`.
 * - `TrainingProgress`: the numbers of one step, the same object in every one of those layers.
 */
import { z } from 'zod'
import { runIdSchema } from './schemas/base'
import { TRAIN_BACKENDS, trainRecipeSchema } from './schemas/recipe'

/**
 * Any number a step can produce: NaN and ±Infinity are real outcomes (a diverged loss, an
 * unknown ETA), which zod's plain number refuses.
 */
export const measuredSchema = z.union([z.number(), z.nan(), z.literal([Infinity, -Infinity])])

/** Where a step is: its index (the charts' x axis), epoch, the run's length and the time left. */
const progressPositionShape = {
  step: z.number().int(),
  epoch: z.number(),
  totalSteps: z.number().int(),
  etaSeconds: measuredSchema
}

/**
 * What a step measured. Every key here is a series: logged to metrics.jsonl, charted, kept in
 * the runs' metrics history. A new metric is one more line here (and the engine computing it).
 */
export const progressMetricsShape = {
  loss: measuredSchema,
  intra: measuredSchema,
  inter: measuredSchema,
  lr: measuredSchema,
  imagesPerSecond: measuredSchema,
  weightNorm: measuredSchema
}
export type ProgressMetric = keyof typeof progressMetricsShape
export const PROGRESS_METRICS = Object.keys(progressMetricsShape) as ProgressMetric[]

export const trainingProgressSchema = z.strictObject({ ...progressPositionShape, ...progressMetricsShape })
/** One step's numbers: the engine's step event, the `progress` event and a metrics.jsonl train row carry exactly these. */
export type TrainingProgress = z.infer<typeof trainingProgressSchema>

const backendChoiceSchema = z.enum(TRAIN_BACKENDS)

/** Start a new run under `runId` (chosen by the host; the trainer refuses one that exists). */
const startNewRunSchema = z.strictObject({
  type: z.literal('start'),
  /** Folder holding runs/. */
  workspace: z.string().min(1),
  runId: runIdSchema,
  config: trainRecipeSchema,
  /** Force a backend; default the fastest that works. */
  backend: backendChoiceSchema.optional()
})

/** Continue a run of the workspace from its last good checkpoint. */
const startResumeSchema = z.strictObject({
  type: z.literal('start'),
  workspace: z.string().min(1),
  resumeRun: runIdSchema,
  backend: backendChoiceSchema.optional()
})

export const startCommandSchema = z.union([startNewRunSchema, startResumeSchema])
export type StartCommand = z.infer<typeof startCommandSchema>

export const trainerCommandSchema = z.union([
  startNewRunSchema,
  startResumeSchema,
  z.strictObject({ type: z.enum(['pause', 'resume', 'stop']) })
])
export type TrainerCommand = z.infer<typeof trainerCommandSchema>

/** Pair metrics of one evaluation. */
export const pairFiguresShape = { set: z.string(), auc: measuredSchema, eer: measuredSchema, tenFold: measuredSchema }
const pairFiguresSchema = z.strictObject(pairFiguresShape)

export const validationSummarySchema = z.strictObject({
  ...pairFiguresShape,
  /** The metric that picks the best checkpoint, its value, and whether this is the best so far. */
  metric: z.string(),
  value: measuredSchema,
  best: z.boolean()
})
export type ValidationSummary = z.infer<typeof validationSummarySchema>

export const startedEventSchema = z.strictObject({
  type: z.literal('started'),
  runId: z.string(),
  runDir: z.string(),
  backend: z.strictObject({ choice: z.string(), description: z.string() }),
  /** Where it computes, in words (e.g. "wasm, 1 + 1 data-parallel worker thread"). */
  device: z.string(),
  dataset: z.strictObject({ name: z.string(), examples: z.number(), classes: z.number(), valPairs: z.number() }),
  model: z.strictObject({ backbone: z.string(), parameters: z.number(), macsPerImage: z.number() }),
  replicas: z.number(),
  totalSteps: z.number(),
  stepsPerEpoch: z.number(),
  /** Steps already done: 0, or the checkpoint's step when resuming. */
  startStep: z.number(),
  resumedFrom: z.string().optional()
})
export type StartedEvent = z.infer<typeof startedEventSchema>

export const progressEventSchema = trainingProgressSchema.extend({ type: z.literal('progress') })
export type ProgressEvent = z.infer<typeof progressEventSchema>

export const trainerProcessEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), pid: z.number() }),
  startedEventSchema,
  progressEventSchema,
  z.strictObject({ type: z.literal('validation'), step: z.number(), epoch: z.number(), validation: validationSummarySchema }),
  z.strictObject({
    type: z.literal('epoch-end'),
    epoch: z.number(),
    step: z.number(),
    validation: validationSummarySchema.optional()
  }),
  z.strictObject({
    type: z.literal('checkpoint'),
    step: z.number(),
    dir: z.string(),
    reason: z.string(),
    best: z.boolean(),
    seconds: z.number()
  }),
  z.strictObject({ type: z.literal('paused'), step: z.number() }),
  z.strictObject({ type: z.literal('resumed'), step: z.number() }),
  z.strictObject({ type: z.literal('warning'), message: z.string(), step: z.number().optional() }),
  z.strictObject({
    type: z.literal('finished'),
    runId: z.string(),
    runDir: z.string(),
    steps: z.number(),
    seconds: z.number(),
    stopped: z.boolean(),
    /** The held-out test pairs on the final weights (eval/test-<set>.json). */
    test: pairFiguresSchema.optional(),
    /** Without test pairs: the final weights on the validation pairs (eval/validation-<set>.json), not a test. */
    finalValidation: pairFiguresSchema.optional()
  }),
  z.strictObject({
    type: z.literal('failed'),
    message: z.string(),
    step: z.number().optional(),
    runId: z.string().optional(),
    runDir: z.string().optional()
  })
])
export type TrainerProcessEvent = z.infer<typeof trainerProcessEventSchema>

/** Host-side only: the trainer process ended without saying finished or failed. */
export const exitedEventSchema = z.strictObject({
  type: z.literal('exited'),
  code: z.number().nullable(),
  signal: z.string().nullable(),
  /** True when the run was cut off; it is marked interrupted and can be resumed. */
  interrupted: z.boolean(),
  runId: z.string().optional(),
  message: z.string()
})
export type ExitedEvent = z.infer<typeof exitedEventSchema>

export const runEventSchema = z.discriminatedUnion('type', [...trainerProcessEventSchema.options, exitedEventSchema])
export type RunEvent = z.infer<typeof runEventSchema>
