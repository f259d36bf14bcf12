/**
 * A run's metrics.jsonl: one JSON object per line, `kind` plus the payload of the event it
 * records (a `train` row is a step's TrainingProgress, a `validation` row the step, epoch and
 * ValidationSummary). Rows are read back leniently: JSON writes NaN/Infinity as null, and a row
 * of an older run may lack a metric added since, which then reads as null.
 */
import { z } from 'zod'
import { maybeNumber } from './schemas/base'
import { VALIDATION_METRICS } from './names'
import { PROGRESS_METRICS, measuredSchema, type ProgressMetric, type TrainingProgress, type ValidationSummary } from './trainer'

/** A row as the run store appends it. */
export type MetricsRecord =
  | ({ kind: 'train' } & TrainingProgress)
  | ({ kind: 'validation'; step: number; epoch: number } & ValidationSummary)
  | { kind: 'test' | 'final-validation'; set: string; auc: number; eer: number; tenFold: number }
  | { kind: 'started'; [fact: string]: unknown }

/**
 * A stored number: null where JSON had to drop NaN/Infinity, absent in rows that predate it; a
 * value of another type (older writers put "NaN" as text) reads as null, keeping the row's other figures.
 */
const storedSchema = z.union([measuredSchema, z.null()]).optional().catch(null)

function storedShape<K extends string>(keys: readonly K[]): Record<K, typeof storedSchema> {
  return Object.fromEntries(keys.map((key) => [key, storedSchema])) as Record<K, typeof storedSchema>
}

const figuresShape = { set: z.string().optional().catch(undefined), ...storedShape(VALIDATION_METRICS) }

/** Unknown keys are dropped (a newer writer's fields do not make a row unreadable). */
export const metricsRowSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('train'),
    step: z.number(),
    ...storedShape(['epoch', 'totalSteps', 'etaSeconds'] as const),
    ...storedShape(PROGRESS_METRICS)
  }),
  z.object({
    kind: z.literal('validation'),
    step: z.number(),
    epoch: storedSchema,
    ...figuresShape,
    metric: z.string().optional().catch(undefined),
    value: storedSchema,
    best: z.boolean().optional().catch(undefined)
  }),
  z.object({ kind: z.literal('test'), ...figuresShape }),
  z.object({ kind: z.literal('final-validation'), ...figuresShape }),
  z.looseObject({ kind: z.literal('started') })
])
export type MetricsRow = z.infer<typeof metricsRowSchema>

/** A filter for rows of one kind (`rows.filter(isRow('train'))` is typed as train rows). */
export function isRow<K extends MetricsRow['kind']>(kind: K): (row: MetricsRow) => row is Extract<MetricsRow, { kind: K }> {
  return (row): row is Extract<MetricsRow, { kind: K }> => row.kind === kind
}

/**
 * The runs' metrics history's training part, column-wise: steps, epochs, and one series per
 * progress metric (NaN/Inf and missing values as null).
 */
export const trainSeriesSchema = z.strictObject({
  step: z.array(z.number()),
  epoch: z.array(z.number()),
  ...(Object.fromEntries(PROGRESS_METRICS.map((key) => [key, z.array(maybeNumber)])) as Record<
    ProgressMetric,
    z.ZodArray<typeof maybeNumber>
  >)
})
export type TrainSeries = z.infer<typeof trainSeriesSchema>
