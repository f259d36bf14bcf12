/**
 * Sweeps across the contract: a base recipe plus fields and their values, run by the local queue
 * or Slurm (src/core/sweep, src/services/sweeps). Status is asked for (`sweeps:status`, polled by
 * the Sweeps view): the truth lives in the scheduler and the run folders, which change without
 * this host's knowing when the jobs run on a cluster.
 */
import { z } from 'zod'
import { MAX_LIST_ITEMS, maybeNumber, runIdSchema, textSchema } from './base'
import { TRAIN_BACKENDS, trainRecipeSchema } from './recipe'

/** Where a sweep's run stands (the engine's SWEEP_RUN_STATES, restated: src/common does not import the engine). */
export const SWEEP_RUN_STATES = ['queued', 'pending', 'running', 'finished', 'failed', 'cancelled', 'stopped'] as const
export const SCHEDULER_KINDS = ['local', 'slurm'] as const

export const sweepValueSchema = z.union([z.number(), z.string().max(64), z.boolean()])
const valuesSchema = z.record(z.string(), sweepValueSchema)

export const sweepAxisSchema = z.strictObject({
  /** A dotted path into the recipe: `lossParams.d`, `loss`, `optimizer.lr`. */
  field: z
    .string()
    .max(100)
    .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'a field is a dotted path such as lossParams.d'),
  values: z.array(sweepValueSchema).min(1).max(MAX_LIST_ITEMS)
})

export const sweepPlanSchema = z.strictObject({ mode: z.enum(['grid', 'list']), axes: z.array(sweepAxisSchema).min(1).max(8) })

export const schedulerSpecSchema = z.strictObject({
  kind: z.enum(SCHEDULER_KINDS),
  /** local: runs trained at once. */
  maxParallel: z.number().int().min(1).max(64).optional(),
  slurm: z
    .strictObject({
      partition: z.string().max(64).optional(),
      time: z.string().max(32).optional(),
      gpus: z.number().int().min(0).max(64).optional(),
      cpusPerTask: z.number().int().min(1).max(1024).optional(),
      extra: z.array(z.string().max(200)).max(16).optional()
    })
    .optional()
})

export const sweepRequestSchema = z.strictObject({
  base: trainRecipeSchema,
  plan: sweepPlanSchema,
  scheduler: schedulerSpecSchema,
  label: textSchema.optional(),
  backend: z.enum(TRAIN_BACKENDS).optional()
})
export type SweepRequest = z.infer<typeof sweepRequestSchema>

/** `sweeps:plan`: the runs the request gives, or why it cannot start, and what it would cost. */
export const sweepPlanResultSchema = z.strictObject({
  problems: z.array(z.string()),
  runs: z.array(z.strictObject({ name: z.string(), values: valuesSchema })),
  estimate: z
    .strictObject({
      /** Each run's training time on this machine's measured speed (null where the data size is unknown). */
      secondsPerRun: z.array(maybeNumber),
      /** All runs one after another. */
      totalSeconds: maybeNumber,
      /** Local: the runs K at a time; Slurm: the longest run, if the cluster starts them all at once. */
      wallSeconds: maybeNumber,
      basis: z.string()
    })
    .optional()
})
export type SweepPlanResult = z.infer<typeof sweepPlanResultSchema>

export const sweepIdRequestSchema = z.strictObject({ id: runIdSchema })
/** Runs of a sweep by name; none = every run (cancel). */
export const sweepRunsRequestSchema = z.strictObject({
  id: runIdSchema,
  runs: z.array(runIdSchema).max(MAX_LIST_ITEMS).optional()
})

export const sweepSummarySchema = z.strictObject({
  id: z.string(),
  createdAt: z.string(),
  scheduler: z.enum(SCHEDULER_KINDS),
  fields: z.array(z.string()),
  runs: z.number().int()
})
export type SweepSummary = z.infer<typeof sweepSummarySchema>

export const sweepRunStatusSchema = z.strictObject({
  name: z.string(),
  runId: z.string(),
  values: valuesSchema,
  state: z.enum(SWEEP_RUN_STATES),
  step: z.number().optional(),
  totalSteps: z.number().optional(),
  message: z.string().optional(),
  jobId: z.string().optional(),
  requeues: z.number().int()
})
export type SweepRunStatus = z.infer<typeof sweepRunStatusSchema>

export const sweepStatusSchema = z.strictObject({
  id: z.string(),
  createdAt: z.string(),
  scheduler: z.enum(SCHEDULER_KINDS),
  fields: z.array(z.string()),
  runs: z.array(sweepRunStatusSchema),
  /** Local sweeps: whether a queue serves it now (queued runs start only then). */
  served: z.boolean().optional()
})
export type SweepStatus = z.infer<typeof sweepStatusSchema>

export const runResultSchema = z.strictObject({
  set: z.string(),
  role: z.enum(['test', 'validation']),
  auc: z.number(),
  eer: z.number(),
  tarAtFar: z.record(z.string(), z.number()),
  unreliableFar: z.array(z.string()),
  tenFold: z.number(),
  tenFoldStd: z.number()
})

export const sweepComparisonSchema = z.strictObject({
  id: z.string(),
  fields: z.array(z.string()),
  /** FAR keys every finished run reports (highest first). */
  fars: z.array(z.string()),
  runs: z.array(z.strictObject({ name: z.string(), runId: z.string(), values: valuesSchema, result: runResultSchema.nullable() }))
})
export type SweepComparison = z.infer<typeof sweepComparisonSchema>
