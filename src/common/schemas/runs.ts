/** Workspace and runs: what `workspace:*` and `runs:*` carry. */
import { z } from 'zod'
import { trainSeriesSchema } from '../metricsLog'
import { MAX_LIST_ITEMS, jsonRecordSchema, maybeNumber, runIdSchema, tagSchema, textSchema, userPathSchema } from './base'

export const RUN_STATUSES = ['created', 'running', 'paused', 'stopped', 'finished', 'failed', 'interrupted'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const recentWorkspaceSchema = z.strictObject({ path: z.string(), openedAt: z.string() })

/** `workspace:get` / `workspace:open`. */
export const workspaceInfoSchema = z.strictObject({
  /** Absolute path of the workspace folder (holds runs/ and datasets.json). */
  path: z.string(),
  /** Most recent first, the current one included; at most 10. */
  recent: z.array(recentWorkspaceSchema),
  runs: z.number().int(),
  /** True when the folder can be written (new runs possible). */
  writable: z.boolean()
})
export type WorkspaceInfo = z.infer<typeof workspaceInfoSchema>

export const openWorkspaceRequestSchema = z.strictObject({
  path: userPathSchema,
  /** Create the folder when it does not exist (otherwise that is an error). */
  create: z.boolean().optional()
})

/** One row of the runs list (run.json plus the few numbers a list shows). */
export const runSummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  status: z.enum(RUN_STATUSES),
  /** Failed / interrupted: what happened, in words. */
  message: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  step: z.number().optional(),
  totalSteps: z.number().optional(),
  loss: z.string().optional(),
  backbone: z.string().optional(),
  embeddingDim: z.number().optional(),
  /** Best validation AUC so far, last test metrics (null: none yet). */
  bestValAuc: maybeNumber,
  testAuc: maybeNumber,
  testEer: maybeNumber,
  /** True when this host has a trainer running it right now. */
  active: z.boolean(),
  /** Interrupted or stopped with a checkpoint: `training:resumeRun` can continue it. */
  resumable: z.boolean()
})
export type RunSummary = z.infer<typeof runSummarySchema>

export const runListSchema = z.strictObject({
  runs: z.array(runSummarySchema),
  /** Folders under runs/ that could not be read, in words. */
  problems: z.array(z.string())
})
export type RunList = z.infer<typeof runListSchema>

/**
 * Metrics history, column-wise (ready for uPlot: one x array, one array per series).
 * `train` has one entry per logged step (one series per progress metric), `validation` one per validation; NaN/Inf losses
 * arrive as null.
 */
export const metricsHistorySchema = z.strictObject({
  train: trainSeriesSchema,
  validation: z.strictObject({
    step: z.array(z.number()),
    epoch: z.array(z.number()),
    auc: z.array(maybeNumber),
    eer: z.array(maybeNumber),
    tenFold: z.array(maybeNumber)
  }),
  /** Test-set results written at the end (null: none). */
  test: z.strictObject({ set: z.string(), auc: maybeNumber, eer: maybeNumber, tenFold: maybeNumber }).nullable()
})
export type MetricsHistory = z.infer<typeof metricsHistorySchema>

export const checkpointInfoSchema = z.strictObject({ name: z.string(), step: z.number().nullable(), best: z.boolean() })

/** `runs:get`: everything the dashboard and the run page show. */
export const runDetailSchema = z.strictObject({
  summary: runSummarySchema,
  /** Absolute folder of the run. */
  dir: z.string(),
  /** config.json as written (the TrainConfig plus where and how it ran). */
  config: jsonRecordSchema,
  metrics: metricsHistorySchema,
  checkpoints: z.array(checkpointInfoSchema),
  /** The last lines of log.txt (at most 500). */
  log: z.array(z.string()),
  /** Files under exports/ (names relative to the run folder). */
  exports: z.array(z.string()),
  /** Saved evaluations under eval/ (file names). */
  evaluations: z.array(z.string())
})
export type RunDetail = z.infer<typeof runDetailSchema>

export const runIdRequestSchema = z.strictObject({ id: runIdSchema })
export const renameRunRequestSchema = z.strictObject({ id: runIdSchema, name: textSchema })
export const tagRunRequestSchema = z.strictObject({
  id: runIdSchema,
  add: z.array(tagSchema).max(MAX_LIST_ITEMS),
  remove: z.array(tagSchema).max(MAX_LIST_ITEMS).optional()
})
export const compareRunsRequestSchema = z.strictObject({ ids: z.array(runIdSchema).min(1).max(16) })

/** `runs:compare`: the runs side by side; `differences` lists recipe keys whose values differ. */
export const runComparisonSchema = z.strictObject({
  runs: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      /** Flattened recipe (`optimizer.lr` → 0.1), values as display text. */
      recipe: z.record(z.string(), z.string()),
      /** Final numbers: loss, val AUC best/last, test AUC/EER/10-fold (null: none). */
      results: z.record(z.string(), maybeNumber),
      metrics: metricsHistorySchema
    })
  ),
  differences: z.array(z.string())
})
export type RunComparison = z.infer<typeof runComparisonSchema>
