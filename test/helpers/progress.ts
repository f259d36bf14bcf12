// A complete progress payload for tests: the numbers a test cares about, every other progress
// metric 0. Tests build payloads here, so a metric added to the common schema needs no test edit.
import type { TrainSeries } from '../../src/common/metricsLog'
import { PROGRESS_METRICS, type ProgressMetric, type TrainingProgress } from '../../src/common/trainer'

export function progressPayload(values: Partial<TrainingProgress>): TrainingProgress {
  const metrics = Object.fromEntries(PROGRESS_METRICS.map((key) => [key, 0])) as Record<ProgressMetric, number>
  return { step: 1, epoch: 1, totalSteps: 1, etaSeconds: 0, ...metrics, ...values }
}

/** A run's training series as `runs:get` returns them: the given columns, every other metric a column of nulls. */
export function trainSeries(
  step: number[],
  epoch: number[],
  values: Partial<Record<ProgressMetric, (number | null)[]>>
): TrainSeries {
  const empty = Object.fromEntries(PROGRESS_METRICS.map((key) => [key, step.map(() => null)])) as Record<
    ProgressMetric,
    (number | null)[]
  >
  return { step, epoch, ...empty, ...values }
}
