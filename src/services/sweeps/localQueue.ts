// The `local` scheduler: a queue of `sweep worker` processes on this machine, at most K at once.
// The process that runs the queue (the CLI's `sweep run`, or the app) holds the sweep folder's
// lock while it serves it; cancel and requeue work from any process through the job records and
// the workers' process ids, and the serving queue picks requeued runs up on its next look.
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, closeSync, openSync } from 'node:fs'
import { acquireRunLock, isAlive, lockHolder } from '../../core/train/runLock'
import { logPath, readJob, readSweep, sweepDir, updateJob, type JobRecord, type SweepRecord } from '../../core/sweep/store'
import type { JobObservation } from '../../core/sweep/slurmOutput'
import { defaultCliLauncher, workerArgs, type CliLauncher } from './launcher'

/** A local job id is the worker's process id. */
const workerPid = (job: JobRecord): number | undefined =>
  job.jobId !== undefined && /^\d+$/.test(job.jobId) ? Number(job.jobId) : undefined

/** Whether the run's worker process still lives (the local scheduler's whole view of a job). */
export function observeLocal(job: JobRecord): JobObservation | undefined {
  const pid = workerPid(job)
  return pid !== undefined && isAlive(pid) ? { jobId: String(pid), state: 'RUNNING' } : undefined
}

/** Cancel: a queued run is dropped from the queue; a training one is asked to stop (it checkpoints first). */
export function cancelLocal(dir: string, run: string): void {
  const job = readJob(dir, run)
  const pid = workerPid(job)
  updateJob(dir, run, { state: 'cancelled' })
  if (job.state === 'submitted' && pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGTERM')
}

/** Requeue: back into the queue; a training worker is stopped first and the queue waits for it to exit before resuming the run. */
export function requeueLocal(dir: string, run: string): void {
  const job = readJob(dir, run)
  const pid = workerPid(job)
  updateJob(dir, run, { state: 'queued', requeues: job.requeues + 1 })
  if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGTERM')
}

/** Whether some process serves this sweep's local queue now. */
export function localQueueServed(workspace: string, sweepId: string): boolean {
  return lockHolder(sweepDir(workspace, sweepId)) !== null
}

export interface LocalQueueOptions {
  maxParallel: number
  launcher?: CliLauncher
  /** How often the job records are read for requeued or cancelled runs (ms). */
  pollMs?: number
  /** Called after each change the queue makes (a worker started or ended). */
  onChange?: () => void
}

/**
 * Serves a sweep's queue until no run is queued and no worker runs; resolves then. Throws at once
 * when another process serves it. `stop()` stops starting workers and asks running ones to stop.
 */
export class LocalQueue {
  private readonly children = new Map<string, ChildProcess>()
  private stopping = false
  private wake: (() => void) | null = null

  constructor(
    private readonly workspace: string,
    private readonly sweepId: string,
    private readonly options: LocalQueueOptions
  ) {}

  async serve(): Promise<void> {
    const dir = sweepDir(this.workspace, this.sweepId)
    const lock = acquireRunLock(dir)
    try {
      const sweep = readSweep(this.workspace, this.sweepId)
      for (;;) {
        const waiting = this.startWaiting(sweep, dir)
        if (this.children.size === 0 && (waiting === 0 || this.stopping)) return
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs ?? 500)
          this.wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
    } finally {
      lock.release()
    }
  }

  /** Stop serving: no new workers; running ones stop with a checkpoint (their runs stay resumable). */
  stop(): void {
    this.stopping = true
    for (const child of this.children.values()) child.kill('SIGTERM')
    this.wake?.()
  }

  /** Starts queued runs while slots are free; returns how many runs still wait. */
  private startWaiting(sweep: SweepRecord, dir: string): number {
    let waiting = 0
    for (const run of sweep.runs) {
      const job = readJob(dir, run.name)
      if (job.state !== 'queued') continue
      // A requeued run whose previous worker is still writing its checkpoint waits for it.
      const previous = workerPid(job)
      const busy = this.children.has(run.name) || (previous !== undefined && isAlive(previous))
      if (this.stopping || busy || this.children.size >= this.options.maxParallel) {
        waiting++
        continue
      }
      this.start(dir, run.name, job)
    }
    return waiting
  }

  private start(dir: string, run: string, job: JobRecord): void {
    const launcher = this.options.launcher ?? defaultCliLauncher()
    const [command, ...args] = launcher.command
    // The job's output, appended across attempts (as Slurm's --open-mode=append does).
    const out = openSync(logPath(dir, run), 'a')
    let child: ChildProcess
    try {
      child = spawn(command, [...args, ...workerArgs(this.workspace, this.sweepId, run)], {
        cwd: launcher.cwd,
        stdio: ['ignore', out, out]
      })
    } finally {
      closeSync(out)
    }
    this.children.set(run, child)
    const previousJobs = job.jobId !== undefined ? [...job.previousJobs, job.jobId] : job.previousJobs
    updateJob(dir, run, { state: 'submitted', jobId: String(child.pid), submittedAt: new Date().toISOString(), previousJobs })
    const ended = (): void => {
      this.children.delete(run)
      this.options.onChange?.()
      this.wake?.()
    }
    child.once('exit', ended)
    child.once('error', (error) => {
      // The worker never ran (its program is missing): the job log says why, status reads failed.
      appendFileSync(logPath(dir, run), `could not start the worker ${launcher.command.join(' ')}: ${error.message}\n`)
      ended()
    })
    this.options.onChange?.()
  }
}
