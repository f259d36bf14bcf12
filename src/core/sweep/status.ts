// Where one run of a sweep stands, from three sources: what was asked of the scheduler (the job
// record), what the scheduler says now (squeue / scontrol / sacct, or whether the local worker
// lives), and the run folder the trainer keeps (run.json). The scheduler knows whether a job waits
// or runs; only the run folder knows whether the training finished, and it outlives the
// scheduler's memory of the job (Slurm forgets ended jobs after MinJobAge without accounting).
import type { RunRecord } from '../train/runs'
import type { JobRecord } from './store'
import { isActiveState, type JobObservation } from './slurmOutput'

export const SWEEP_RUN_STATES = ['queued', 'pending', 'running', 'finished', 'failed', 'cancelled', 'stopped'] as const
export type SweepRunState = (typeof SWEEP_RUN_STATES)[number]

export interface RunProgress {
  state: SweepRunState
  step?: number
  totalSteps?: number
  /** Why it waits, failed or stopped, in words. */
  message?: string
}

/** Slurm states meaning the job itself failed (not the training inside it). */
const FAILED_JOB_STATES = new Set(['FAILED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED'])

export function runProgress(job: JobRecord, observed: JobObservation | undefined, run: RunRecord | undefined): RunProgress {
  const steps = run
    ? {
        ...(run.step !== undefined ? { step: run.step } : {}),
        ...(run.totalSteps !== undefined ? { totalSteps: run.totalSteps } : {})
      }
    : {}
  if (run?.status === 'finished') return { state: 'finished', ...steps }
  if (job.state === 'cancelled')
    return { state: 'cancelled', ...steps, message: 'cancelled; requeue continues it from its last checkpoint' }
  if (job.state === 'queued') return { state: 'queued', ...steps }
  if (observed && isActiveState(observed.state)) {
    if (observed.state === 'PENDING' || observed.state.startsWith('REQUEUE')) {
      return { state: 'pending', ...steps, ...(observed.reason ? { message: `waiting: ${observed.reason}` } : {}) }
    }
    return { state: 'running', ...steps }
  }
  // The job has ended (or the scheduler no longer remembers it): the run folder tells how.
  if (run?.status === 'failed') return { state: 'failed', ...steps, message: run.message ?? 'the run failed (see its log.txt)' }
  if (observed?.state === 'CANCELLED')
    return {
      state: 'cancelled',
      ...steps,
      message: 'cancelled outside the app (scancel); requeue continues it from its last checkpoint'
    }
  if (observed && FAILED_JOB_STATES.has(observed.state)) {
    return {
      state: 'failed',
      ...steps,
      message: `the job ended ${observed.state}${observed.reason ? ` (${observed.reason})` : ''}${observed.exitCode ? `, exit code ${observed.exitCode}` : ''}; see its log`
    }
  }
  if (!run) return { state: 'failed', message: 'the job ended before its run started; see the job log' }
  return {
    state: 'stopped',
    ...steps,
    message: run.message ?? `stopped at step ${run.step ?? 0}; requeue continues it from there`
  }
}
