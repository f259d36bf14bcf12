// A sweep's folder in the workspace: sweeps/<id>/sweep.json (the plan, its runs and where they
// go; written once), jobs/<run>.json (one per run: the scheduler's job, written by whoever submits,
// cancels or requeues it), logs/<run>.out (the job's output) and, for Slurm, scripts/<run>.sh.
// The runs themselves train in runs/<sweep id>-<run name>, ordinary run folders. Every JSON file
// is written whole and atomically.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeJsonAtomic } from '../util/atomicWrite'
import { isRunId } from '../train/runs'
import type { TrainConfig } from '../train/config'
import type { PlannedRun, SweepPlan } from './grid'
import { SweepError } from './errors'

export const SCHEDULER_KINDS = ['local', 'slurm'] as const
export type SchedulerKind = (typeof SCHEDULER_KINDS)[number]

export interface SlurmOptions {
  partition?: string
  /** sbatch --time, e.g. `2:00:00` or `1-00:00:00`. */
  time?: string
  /** GPUs per job (--gres=gpu:N). */
  gpus?: number
  cpusPerTask?: number
  /** Further `#SBATCH` options, one per entry, e.g. `--account=lab` or `--qos=long`. */
  extra?: string[]
}

export interface SchedulerSpec {
  kind: SchedulerKind
  /** local: runs trained at once (K). */
  maxParallel?: number
  slurm?: SlurmOptions
}

export interface SweepRun extends PlannedRun {
  /** Its run folder: runs/<runId>. */
  runId: string
}

/** sweeps/<id>/sweep.json. */
export interface SweepRecord {
  id: string
  createdAt: string
  base: TrainConfig
  plan: SweepPlan
  scheduler: SchedulerSpec
  /** Force a backend on every run (default: the fastest each machine has). */
  backend?: string
  runs: SweepRun[]
}

/**
 * jobs/<run>.json. `state` is what was asked of the scheduler: queued (waiting for a local slot),
 * submitted (handed to a scheduler), cancelled. Whether it runs or ended is read from the scheduler
 * and the run folder (status.ts).
 */
export interface JobRecord {
  run: string
  state: 'queued' | 'submitted' | 'cancelled'
  /** Slurm job id, or the local worker's process id. */
  jobId?: string
  submittedAt?: string
  /** Requeues so far (each continues the run from its last checkpoint). */
  requeues: number
  /** Earlier job ids of this run (a resubmission gets a new one). */
  previousJobs: string[]
  updatedAt: string
}

export function sweepsRoot(workspace: string): string {
  return join(workspace, 'sweeps')
}

/** sweeps/<id>; the id is checked like a run id so the folder is always directly inside sweeps/. */
export function sweepDir(workspace: string, id: string): string {
  if (!isRunId(id)) throw new SweepError(`"${id}" is not a sweep id`)
  return join(sweepsRoot(workspace), id)
}

const jobPath = (dir: string, run: string): string => join(dir, 'jobs', `${run}.json`)

export function newSweepId(label: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '').replace('T', '-')
  const tail = label
    .replace(/[^\w-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
  return tail ? `${stamp}-${tail}` : stamp
}

/** Writes a new sweep folder with its record and a queued job per run; refuses an existing id. */
export function createSweep(workspace: string, record: Omit<SweepRecord, 'runs'> & { runs: PlannedRun[] }): SweepRecord {
  const dir = sweepDir(workspace, record.id)
  if (existsSync(dir)) throw new SweepError(`sweep ${record.id} already exists in ${sweepsRoot(workspace)}`)
  const runs = record.runs.map((run) => ({ ...run, runId: `${record.id}-${run.name}` }))
  for (const run of runs)
    if (!isRunId(run.runId)) throw new Error(`run id "${run.runId}" is too long or has characters a folder name cannot hold`)
  const full: SweepRecord = { ...record, runs }
  for (const sub of ['jobs', 'logs']) mkdirSync(join(dir, sub), { recursive: true })
  writeJsonAtomic(join(dir, 'sweep.json'), full)
  for (const run of runs)
    writeJob(dir, { run: run.name, state: 'queued', requeues: 0, previousJobs: [], updatedAt: new Date().toISOString() })
  return full
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new Error(`${path} is not readable JSON (${error instanceof Error ? error.message : String(error)})`)
  }
}

export function readSweep(workspace: string, id: string): SweepRecord {
  const path = join(sweepDir(workspace, id), 'sweep.json')
  if (!existsSync(path)) throw new SweepError(`no sweep "${id}" in ${sweepsRoot(workspace)}`)
  const value = readJson(path) as Partial<SweepRecord>
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.id !== 'string' ||
    !Array.isArray(value.runs) ||
    typeof value.scheduler?.kind !== 'string'
  ) {
    throw new Error(`${path} is not a sweep record (needs id, runs and scheduler)`)
  }
  return value as SweepRecord
}

export function listSweeps(workspace: string): { sweeps: SweepRecord[]; problems: string[] } {
  const root = sweepsRoot(workspace)
  const sweeps: SweepRecord[] = []
  const problems: string[] = []
  for (const id of existsSync(root) ? readdirSync(root) : []) {
    if (id.startsWith('.')) continue
    try {
      sweeps.push(readSweep(workspace, id))
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error))
    }
  }
  sweeps.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  return { sweeps, problems }
}

export function readJob(dir: string, run: string): JobRecord {
  const path = jobPath(dir, run)
  if (!existsSync(path)) throw new Error(`${path} is missing: the sweep folder is incomplete`)
  return readJson(path) as JobRecord
}

export function writeJob(dir: string, job: JobRecord): JobRecord {
  const next = { ...job, updatedAt: new Date().toISOString() }
  writeJsonAtomic(jobPath(dir, job.run), next)
  return next
}

export function updateJob(dir: string, run: string, update: Partial<Omit<JobRecord, 'run'>>): JobRecord {
  return writeJob(dir, { ...readJob(dir, run), ...update })
}

/** The run of that name, or an error listing the sweep's runs. */
export function sweepRun(sweep: SweepRecord, name: string): SweepRun {
  const run = sweep.runs.find((r) => r.name === name)
  if (!run) throw new SweepError(`sweep ${sweep.id} has no run "${name}"; its runs: ${sweep.runs.map((r) => r.name).join(', ')}`)
  return run
}

export const logPath = (dir: string, run: string): string => join(dir, 'logs', `${run}.out`)
