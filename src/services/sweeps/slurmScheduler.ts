// The `slurm` scheduler: one `sbatch` job per run. One job each rather than a job array, so every
// run has a plain job id to cancel, requeue or resubmit on its own, and its own log; a sweep of
// dozens of runs is far below any cluster's submission limits. The job script runs the headless
// CLI's `sweep worker` on the node; `--requeue` lets Slurm restart it after preemption or
// `scontrol requeue`, `--open-mode=append` keeps every attempt's output, and the worker resumes
// from the run's last checkpoint whenever the run folder already exists.
import { writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { logPath, readJob, updateJob, type JobRecord, type SlurmOptions, type SweepRecord } from '../../core/sweep/store'
import {
  SACCT_FORMAT,
  SQUEUE_FORMAT,
  isAccountingDisabled,
  isActiveState,
  parseSacct,
  parseScontrolJob,
  parseSqueue,
  type JobObservation
} from '../../core/sweep/slurmOutput'
import { runSlurm, SlurmCommandError } from './slurmCommands'
import { workerArgs, type CliLauncher } from './launcher'

/** Single-quoted for bash: the only character a single-quoted word cannot hold is the quote itself. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** Problems with the options, each naming the option (they end up as #SBATCH lines). */
export function slurmOptionProblems(options: SlurmOptions): string[] {
  const problems: string[] = []
  if (options.partition !== undefined && !/^[\w.,-]+$/.test(options.partition))
    problems.push(`partition "${options.partition}" may only hold letters, digits and . , _ -`)
  if (options.time !== undefined && !/^(\d+-)?\d+(:\d+){0,2}$/.test(options.time))
    problems.push(`time limit "${options.time}" is not a Slurm time (minutes, HH:MM:SS or D-HH:MM:SS)`)
  if (options.gpus !== undefined && !(Number.isInteger(options.gpus) && options.gpus >= 0))
    problems.push(`GPUs per job must be a whole number ≥ 0, got ${options.gpus}`)
  if (options.cpusPerTask !== undefined && !(Number.isInteger(options.cpusPerTask) && options.cpusPerTask >= 1))
    problems.push(`CPUs per task must be a whole number ≥ 1, got ${options.cpusPerTask}`)
  for (const line of options.extra ?? []) {
    if (!/^--?[A-Za-z][\w-]*(=\S.*)?$/.test(line) || /[\r\n]/.test(line))
      problems.push(`extra #SBATCH line "${line}" must be one option such as --qos=long or --account=lab`)
  }
  return problems
}

/** The batch script of one run. Paths go into #SBATCH lines, which sbatch splits at blanks: they may not hold any. */
export function jobScript(sweep: SweepRecord, dir: string, run: string, workspace: string, launcher: CliLauncher): string {
  const options = sweep.scheduler.slurm ?? {}
  const problems = slurmOptionProblems(options)
  if (problems.length > 0) throw new Error(`invalid Slurm options: ${problems.join('; ')}`)
  const log = logPath(dir, run)
  for (const path of [log, launcher.cwd])
    if (/\s/.test(path))
      throw new Error(`${path} holds a blank, which #SBATCH lines cannot carry: use a workspace and install path without spaces`)
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${`${sweep.id}-${run}`.slice(0, 120)}`,
    `#SBATCH --output=${log}`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    `#SBATCH --chdir=${launcher.cwd}`,
    ...(options.partition ? [`#SBATCH --partition=${options.partition}`] : []),
    ...(options.time ? [`#SBATCH --time=${options.time}`] : []),
    ...(options.gpus ? [`#SBATCH --gres=gpu:${options.gpus}`] : []),
    ...(options.cpusPerTask ? [`#SBATCH --cpus-per-task=${options.cpusPerTask}`] : []),
    ...(options.extra ?? []).map((line) => `#SBATCH ${line}`),
    '# Written by D-Softmax Studio for one run of a sweep. A requeued or preempted job runs this again;',
    '# the worker then resumes the run from its last checkpoint (its run folder exists).',
    'echo "[$(date -u +%Y-%m-%dT%H:%M:%SZ)] job ${SLURM_JOB_ID} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}"',
    `exec ${[...launcher.command, ...workerArgs(workspace, sweep.id, run)].map(shellQuote).join(' ')}`,
    ''
  ]
  return lines.join('\n')
}

export async function submitSlurm(
  sweep: SweepRecord,
  dir: string,
  run: string,
  workspace: string,
  launcher: CliLauncher
): Promise<JobRecord> {
  const script = join(dir, 'jobs', `${run}.sh`)
  writeFileSync(script, jobScript(sweep, dir, run, workspace, launcher))
  chmodSync(script, 0o755)
  const { stdout } = await runSlurm('sbatch', ['--parsable', script])
  // --parsable prints "jobid" or "jobid;cluster".
  const jobId = stdout.trim().split(';')[0]
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch printed no job id: ${JSON.stringify(stdout.trim())}`)
  const job = readJob(dir, run)
  const previousJobs = job.jobId !== undefined ? [...job.previousJobs, job.jobId] : job.previousJobs
  return updateJob(dir, run, { state: 'submitted', jobId, submittedAt: new Date().toISOString(), previousJobs })
}

/**
 * What Slurm says about these jobs: squeue for the ones it still holds, sacct for older ones
 * where the cluster keeps accounting. Without accounting an ended job is simply absent after
 * MinJobAge; the run folder then tells how it ended.
 */
export async function observeSlurm(jobIds: string[]): Promise<Map<string, JobObservation>> {
  const seen = new Map<string, JobObservation>()
  if (jobIds.length === 0) return seen
  try {
    const { stdout } = await runSlurm('squeue', [
      '--noheader',
      '--states=all',
      `--format=${SQUEUE_FORMAT}`,
      `--jobs=${jobIds.join(',')}`
    ])
    for (const job of parseSqueue(stdout)) seen.set(job.jobId, job)
  } catch (error) {
    // squeue refuses a list whose only job it no longer knows ("Invalid job id specified").
    if (!(error instanceof SlurmCommandError && /invalid job id/i.test(error.message))) throw error
  }
  const missing = jobIds.filter((id) => !seen.has(id))
  if (missing.length === 0) return seen
  try {
    const { stdout } = await runSlurm('sacct', [
      '--noheader',
      '--parsable2',
      `--format=${SACCT_FORMAT}`,
      `--jobs=${missing.join(',')}`
    ])
    for (const job of parseSacct(stdout)) if (!seen.has(job.jobId)) seen.set(job.jobId, job)
  } catch (error) {
    if (!(error instanceof SlurmCommandError && isAccountingDisabled(error.message))) throw error
  }
  return seen
}

export async function showJob(jobId: string): Promise<JobObservation | undefined> {
  try {
    return parseScontrolJob((await runSlurm('scontrol', ['-o', 'show', 'job', jobId])).stdout)
  } catch (error) {
    if (error instanceof SlurmCommandError && /invalid job id/i.test(error.message)) return undefined
    throw error
  }
}

export async function cancelSlurm(dir: string, run: string): Promise<void> {
  const job = readJob(dir, run)
  if (job.state === 'submitted' && job.jobId) {
    try {
      await runSlurm('scancel', [job.jobId])
    } catch (error) {
      // A job that already ended is cancelled enough.
      if (!(error instanceof SlurmCommandError && /invalid job id|already completing or completed/i.test(error.message)))
        throw error
    }
  }
  updateJob(dir, run, { state: 'cancelled' })
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Requeue: a job Slurm still holds waiting or running is requeued in place (`scontrol requeue`;
 * a running one gets SIGTERM and checkpoints). Slurm then holds it back until a begin time; it is
 * released at once (`scontrol update StartTime=now`). A job that has ended (cancelled, failed,
 * forgotten) is submitted again as a new job. Either way the run resumes from its checkpoint.
 */
export async function requeueSlurm(
  sweep: SweepRecord,
  dir: string,
  run: string,
  workspace: string,
  launcher: CliLauncher
): Promise<JobRecord> {
  const job = readJob(dir, run)
  const current = job.jobId ? await showJob(job.jobId) : undefined
  if (job.state !== 'submitted' || !job.jobId || !current || !isActiveState(current.state)) {
    const resubmitted = await submitSlurm(sweep, dir, run, workspace, launcher)
    return updateJob(dir, run, { requeues: resubmitted.requeues + 1 })
  }
  await runSlurm('scontrol', ['requeue', job.jobId])
  for (let attempt = 0; attempt < 60; attempt++) {
    const now = await showJob(job.jobId)
    if (now?.state === 'PENDING') {
      if (now.reason === 'BeginTime') await runSlurm('scontrol', ['update', `JobId=${job.jobId}`, 'StartTime=now'])
      break
    }
    await pause(250)
  }
  return updateJob(dir, run, { state: 'submitted', requeues: job.requeues + 1 })
}
