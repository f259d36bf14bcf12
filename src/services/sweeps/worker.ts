// One run of a sweep, trained in this process (the `sweep worker` command that a Slurm job or the
// local queue starts). A new run gets its sweep-given id; a run whose folder already holds a
// recipe is resumed from its last checkpoint, which is how a requeued or preempted job continues.
// SIGTERM (scancel, scontrol requeue, preemption, a time limit) stops after the current step
// with a checkpoint, so the next attempt loses at most one step.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { BackendChoice } from '../../core/backend'
import type { TrainerProcessEvent } from '../../common/trainer'
import { runSession, type SessionRequest } from '../../core/train/session'
import { runDir } from '../../core/train/runs'
import { LOCK_FILE, lockHolder } from '../../core/train/runLock'
import { hostname } from 'node:os'
import { readSweep, sweepRun } from '../../core/sweep/store'

export type WorkerOutcome = 'finished' | 'stopped' | 'failed'

/**
 * A folder left by an attempt killed between creating it and writing its recipe holds only the
 * empty checkpoints/, eval/ and exports/: removed so the run can start under its own id. Anything
 * else in it is kept and reported.
 */
function clearUnstartedFolder(dir: string): void {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => !e.isDirectory())
  if (files.length > 0)
    throw new Error(
      `${dir} exists without a config.json but holds files (${files.map((f) => f.name).join(', ')}); move it away to start this run`
    )
  rmSync(dir, { recursive: true })
}

/**
 * A Slurm job killed hard (after KillWait, or with its node) leaves the run's lock naming a
 * process on the node it ran on, which a restart on another node cannot check. Slurm starts a
 * job again only once its previous attempt has ended, and a sweep keeps one job per run, so
 * under Slurm such a lock is the earlier attempt's and is removed.
 */
export function releaseEarlierAttempt(dir: string, log: (line: string) => void): void {
  if (!process.env.SLURM_JOB_ID) return
  const holder = lockHolder(dir)
  if (holder && holder.host !== hostname()) {
    log(`removing the lock of the earlier attempt (process ${holder.pid} on ${holder.host}, since ${holder.since})`)
    rmSync(join(dir, LOCK_FILE), { force: true })
  }
}

function describe(event: TrainerProcessEvent): string | null {
  switch (event.type) {
    case 'started':
      return `started ${event.runId} on ${event.backend.choice}: ${event.totalSteps} steps${event.startStep > 0 ? `, resumed at step ${event.startStep} from ${event.resumedFrom}` : ''}`
    case 'progress':
      return event.step % 10 === 0 || event.step === event.totalSteps
        ? `step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(4)}`
        : null
    case 'validation':
      return `validation (${event.validation.set}) at step ${event.step}: AUC ${event.validation.auc.toFixed(4)}`
    case 'checkpoint':
      return `checkpoint at step ${event.step} (${event.reason})`
    case 'warning':
      return `warning: ${event.message}`
    case 'finished':
      return event.stopped
        ? `stopped at step ${event.steps}`
        : `finished ${event.steps} steps${event.test ? `: test AUC ${event.test.auc.toFixed(4)}` : ''}`
    case 'failed':
      return `failed: ${event.message}`
    default:
      return null
  }
}

export async function trainSweepRun(
  workspace: string,
  sweepId: string,
  runName: string,
  log: (line: string) => void
): Promise<WorkerOutcome> {
  const sweep = readSweep(workspace, sweepId)
  const run = sweepRun(sweep, runName)
  const dir = runDir(workspace, run.runId)
  const backend = sweep.backend as BackendChoice | undefined
  const restarts = Number(process.env.SLURM_RESTART_COUNT ?? 0)
  let request: SessionRequest
  if (existsSync(join(dir, 'config.json'))) {
    releaseEarlierAttempt(dir, log)
    log(`resuming ${run.runId} from its last checkpoint${restarts > 0 ? ` (Slurm restart ${restarts})` : ''}`)
    request = { workspace, resumeRun: run.runId, backend }
  } else {
    if (existsSync(dir)) clearUnstartedFolder(dir)
    request = { workspace, config: run.recipe, runId: run.runId, backend }
  }
  let stopRequested = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stopRequested) log(`${signal}: stopping after this step with a checkpoint`)
    stopRequested = true
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  let outcome: WorkerOutcome = 'failed'
  try {
    await runSession(
      request,
      (event) => {
        const line = describe(event)
        if (line) log(line)
        if (event.type === 'finished') outcome = event.stopped ? 'stopped' : 'finished'
      },
      { shouldStop: () => stopRequested, gate: () => undefined }
    )
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
  return outcome
}
