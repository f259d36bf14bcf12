// A complete progress payload for tests: the numbers a test cares about, every other progress
// metric 0. Tests build payloads here, so a metric added to the common schema needs no test edit.
import { PROGRESS_METRICS, type ProgressMetric, type TrainingProgress } from '../../src/common/trainer'

export function progressPayload(values: Partial<TrainingProgress>): TrainingProgress {
  const metrics = Object.fromEntries(PROGRESS_METRICS.map((key) => [key, 0])) as Record<ProgressMetric, number>
  return { step: 1, epoch: 1, totalSteps: 1, etaSeconds: 0, ...metrics, ...values }
}
