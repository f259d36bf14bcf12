// Sweeps for the CLI and the app: plan (expand and validate), start (write the sweep folder and
// submit to Slurm; a local sweep is then served by a LocalQueue), status, cancel, requeue and
// compare. The scheduler-specific parts live in localQueue.ts and slurmScheduler.ts.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { TrainConfig } from '../../core/train/config'
import { readRunRecord, runDir, type RunRecord } from '../../core/train/runs'
import { expandSweep, type PlannedRun, type SweepPlan } from '../../core/sweep/grid'
import {
  createSweep,
  newSweepId,
  readJob,
  readSweep,
  sweepDir,
  sweepRun,
  SCHEDULER_KINDS,
  type JobRecord,
  type SchedulerSpec,
  type SweepRecord
} from '../../core/sweep/store'
import { runProgress, type RunProgress } from '../../core/sweep/status'
import { readRunResult, type ComparedRun } from '../../core/sweep/compare'
import type { JobObservation } from '../../core/sweep/slurmOutput'
import { SweepError } from '../../core/sweep/errors'
import { cancelLocal, localQueueServed, observeLocal, requeueLocal } from './localQueue'
import { cancelSlurm, observeSlurm, requeueSlurm, slurmOptionProblems, submitSlurm } from './slurmScheduler'
import { defaultCliLauncher, type CliLauncher } from './launcher'

export interface SweepRequest {
  base: TrainConfig
  plan: SweepPlan
  scheduler: SchedulerSpec
  /** Part of the sweep's id, e.g. `d-ablation`. */
  label?: string
  backend?: string
}

function schedulerProblems(spec: SchedulerSpec): string[] {
  if (!(SCHEDULER_KINDS as readonly string[]).includes(spec.kind))
    return [`scheduler must be one of ${SCHEDULER_KINDS.join(', ')}, got "${spec.kind}"`]
  if (spec.kind === 'local')
    return spec.maxParallel !== undefined && !(Number.isInteger(spec.maxParallel) && spec.maxParallel >= 1)
      ? [`runs at once must be a whole number ≥ 1, got ${spec.maxParallel}`]
      : []
  return slurmOptionProblems(spec.slurm ?? {})
}

/** The runs a request gives, each recipe validated; throws naming every problem. */
export function planSweep(request: SweepRequest): PlannedRun[] {
  const problems = schedulerProblems(request.scheduler)
  if (problems.length > 0) throw new SweepError(`invalid scheduler options: ${problems.join('; ')}`)
  return expandSweep(request.base, request.plan)
}

/**
 * Writes the sweep folder and, for Slurm, submits every run. A local sweep's runs wait queued
 * until a LocalQueue serves them (the caller starts it).
 */
export async function startSweep(
  workspace: string,
  request: SweepRequest,
  launcher: CliLauncher = defaultCliLauncher()
): Promise<SweepRecord> {
  const runs = planSweep(request)
  const sweep = createSweep(workspace, {
    id: newSweepId(request.label ?? request.plan.axes.map((a) => a.field.split('.').pop()).join('-')),
    createdAt: new Date().toISOString(),
    base: request.base,
    plan: request.plan,
    scheduler: request.scheduler,
    ...(request.backend ? { backend: request.backend } : {}),
    runs
  })
  if (sweep.scheduler.kind === 'slurm') {
    const dir = sweepDir(workspace, sweep.id)
    for (const run of sweep.runs) await submitSlurm(sweep, dir, run.name, workspace, launcher)
  }
  return sweep
}

export interface SweepRunStatus extends RunProgress {
  name: string
  runId: string
  values: PlannedRun['values']
  jobId?: string
  requeues: number
}

export interface SweepStatus {
  sweep: SweepRecord
  runs: SweepRunStatus[]
  /** Local sweeps: whether a process serves the queue now (queued runs start only then). */
  served?: boolean
}

function readRunFolder(workspace: string, runId: string): RunRecord | undefined {
  const dir = runDir(workspace, runId)
  return existsSync(join(dir, 'config.json')) ? readRunRecord(dir) : undefined
}

export async function sweepStatus(workspace: string, id: string): Promise<SweepStatus> {
  const sweep = readSweep(workspace, id)
  const dir = sweepDir(workspace, id)
  const jobs = new Map<string, JobRecord>(sweep.runs.map((run) => [run.name, readJob(dir, run.name)]))
  let observed: (job: JobRecord) => JobObservation | undefined
  if (sweep.scheduler.kind === 'slurm') {
    const ids = [...jobs.values()].filter((j) => j.state !== 'queued' && j.jobId).map((j) => j.jobId as string)
    const seen = await observeSlurm(ids)
    observed = (job) => (job.jobId ? seen.get(job.jobId) : undefined)
  } else observed = observeLocal
  const runs = sweep.runs.map((run) => {
    const job = jobs.get(run.name) as JobRecord
    return {
      name: run.name,
      runId: run.runId,
      values: run.values,
      ...(job.jobId ? { jobId: job.jobId } : {}),
      requeues: job.requeues,
      ...runProgress(job, observed(job), readRunFolder(workspace, run.runId))
    }
  })
  return { sweep, runs, ...(sweep.scheduler.kind === 'local' ? { served: localQueueServed(workspace, id) } : {}) }
}

/** The named runs, or every run when none is named. */
function chosenRuns(sweep: SweepRecord, names: string[]): string[] {
  return names.length === 0 ? sweep.runs.map((r) => r.name) : names.map((name) => sweepRun(sweep, name).name)
}

export async function cancelSweep(workspace: string, id: string, names: string[] = []): Promise<string[]> {
  const sweep = readSweep(workspace, id)
  const dir = sweepDir(workspace, id)
  const chosen = chosenRuns(sweep, names)
  for (const run of chosen) {
    if (readRunFolder(workspace, sweepRun(sweep, run).runId)?.status === 'finished') continue
    if (sweep.scheduler.kind === 'slurm') await cancelSlurm(dir, run)
    else cancelLocal(dir, run)
  }
  return chosen
}

/** Requeues the named runs: each continues from its last checkpoint. Local runs start once a LocalQueue serves the sweep. */
export async function requeueSweep(
  workspace: string,
  id: string,
  names: string[],
  launcher: CliLauncher = defaultCliLauncher()
): Promise<string[]> {
  const sweep = readSweep(workspace, id)
  const dir = sweepDir(workspace, id)
  const chosen = chosenRuns(sweep, names)
  for (const run of chosen) {
    if (readRunFolder(workspace, sweepRun(sweep, run).runId)?.status === 'finished')
      throw new SweepError(`run ${run} has finished; there is nothing to continue`)
  }
  for (const run of chosen) {
    if (sweep.scheduler.kind === 'slurm') await requeueSlurm(sweep, dir, run, workspace, launcher)
    else requeueLocal(dir, run)
  }
  return chosen
}

export function compareSweep(workspace: string, id: string): ComparedRun[] {
  const sweep = readSweep(workspace, id)
  return sweep.runs.map((run) => {
    const dir = runDir(workspace, run.runId)
    return { name: run.name, runId: run.runId, values: run.values, result: existsSync(dir) ? readRunResult(dir) : null }
  })
}
