/**
 * The one reducer from run events to a training's state, used by every host (src/services/
 * training.ts) and by the dashboard (src/renderer/src/stores/training.ts), and the mapping of a
 * progress payload onto chart series. Pure: no I/O, no clock.
 */
import { PROGRESS_METRICS, type ProgressMetric, type RunEvent, type TrainingProgress, type ValidationSummary } from './trainer'
import type { TrainingState } from './schemas/training'
import { VALIDATION_METRICS, type ValidationMetric } from './names'

/** Shown as the backend until the trainer says which one it chose. */
export const BACKEND_PENDING = 'starting…'

/** The validation figures a run charts: the metrics a best checkpoint can be chosen by. */
export const VALIDATION_SERIES = VALIDATION_METRICS
export type ValidationSeriesKey = ValidationMetric

/** A training the host just asked for: named, nothing measured yet. */
export function initialTrainingState(runId: string): TrainingState {
  return {
    runId,
    runDir: '',
    phase: 'starting',
    backend: BACKEND_PENDING,
    device: '',
    dataset: { name: '', examples: 0, classes: 0, valPairs: 0 },
    model: { backbone: '', parameters: 0, macsPerImage: 0 },
    step: 0,
    totalSteps: 0,
    stepsPerEpoch: 0,
    epoch: 0,
    imagesPerSecond: null,
    etaSeconds: null
  }
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null)

/** The state after `event`; events that change nothing here (validation, warnings, …) return `state` itself. */
export function reduceTrainingState(state: TrainingState, event: RunEvent): TrainingState {
  switch (event.type) {
    case 'started':
      return {
        ...state,
        runId: event.runId,
        runDir: event.runDir,
        phase: 'running',
        backend: event.backend.choice,
        device: event.device,
        dataset: event.dataset,
        model: event.model,
        step: event.startStep,
        totalSteps: event.totalSteps,
        stepsPerEpoch: event.stepsPerEpoch,
        epoch: event.stepsPerEpoch ? event.startStep / event.stepsPerEpoch : 0
      }
    case 'progress':
      return {
        ...state,
        // A step that lands while a pause or stop is pending does not undo it.
        phase: state.phase === 'stopping' ? 'stopping' : state.phase === 'paused' ? 'paused' : 'running',
        step: event.step,
        totalSteps: event.totalSteps,
        epoch: event.epoch,
        imagesPerSecond: finiteOrNull(event.imagesPerSecond),
        etaSeconds: finiteOrNull(event.etaSeconds)
      }
    case 'paused':
      return { ...state, phase: state.phase === 'stopping' ? 'stopping' : 'paused', step: event.step }
    case 'resumed':
      return { ...state, phase: 'running', step: event.step }
    case 'finished':
      return { ...state, phase: event.stopped ? 'stopped' : 'finished', step: event.steps, etaSeconds: 0 }
    case 'failed':
      return { ...state, phase: 'failed', message: event.message }
    case 'exited':
      return { ...state, phase: event.interrupted ? 'interrupted' : 'failed', message: event.message }
    default:
      return state
  }
}

/**
 * One chart point per progress metric: every metric of the payload (PROGRESS_METRICS), so a new
 * metric in the schema is charted without an edit here. Non-finite values become NaN (a gap).
 */
export function progressPoint(progress: TrainingProgress): Record<ProgressMetric, number> {
  return Object.fromEntries(PROGRESS_METRICS.map((key) => [key, progress[key]])) as Record<ProgressMetric, number>
}

export function validationPoint(validation: Pick<ValidationSummary, ValidationSeriesKey>): Record<ValidationSeriesKey, number> {
  return { auc: validation.auc, eer: validation.eer, tenFold: validation.tenFold }
}
