// Reading what Slurm's clients print: `squeue --noheader --format=%i|%T|%r`, `scontrol -o show
// job N` (one line of Key=Value pairs) and `sacct --noheader --parsable2`. Pure functions; the
// commands themselves run in src/services/sweeps/slurmCommands.ts.

/** What a scheduler says about one job. */
export interface JobObservation {
  jobId: string
  /** Slurm's JobState (PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, PREEMPTED, …). */
  state: string
  /** Why it waits or ended (BeginTime, Priority, NonZeroExitCode, …), when Slurm says. */
  reason?: string
  exitCode?: string
  restarts?: number
}

/** The squeue format string parseSqueue reads. */
export const SQUEUE_FORMAT = '%i|%T|%r'

export function parseSqueue(text: string): JobObservation[] {
  const jobs: JobObservation[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const [jobId, state, reason] = line.trim().split('|')
    if (!jobId || !state) throw new Error(`unexpected squeue line (want JOBID|STATE|REASON): ${JSON.stringify(line)}`)
    jobs.push({ jobId, state, ...(reason && reason !== 'None' ? { reason } : {}) })
  }
  return jobs
}

/**
 * `scontrol -o show job` prints `Key=Value` pairs separated by spaces; a value may itself hold
 * spaces or `=` (Command, Comment), so a pair starts only where a space is followed by a key and
 * `=`.
 */
export function parseScontrolFields(line: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const pair of line.trim().split(/ (?=[A-Za-z][\w/:]*=)/)) {
    const at = pair.indexOf('=')
    if (at > 0) fields[pair.slice(0, at)] = pair.slice(at + 1).trim()
  }
  return fields
}

export function parseScontrolJob(text: string): JobObservation {
  const fields = parseScontrolFields(text.split('\n').find((l) => l.includes('JobId=')) ?? '')
  if (!fields.JobId || !fields.JobState)
    throw new Error(`unexpected scontrol output (no JobId/JobState): ${JSON.stringify(text.slice(0, 200))}`)
  const restarts = Number(fields.Restarts)
  return {
    jobId: fields.JobId,
    state: fields.JobState,
    ...(fields.Reason && fields.Reason !== 'None' ? { reason: fields.Reason } : {}),
    ...(fields.ExitCode ? { exitCode: fields.ExitCode } : {}),
    ...(Number.isInteger(restarts) ? { restarts } : {})
  }
}

/** The sacct fields parseSacct reads. */
export const SACCT_FORMAT = 'JobID,State,ExitCode'

/** sacct answers this (and exits 1) on a cluster without accounting storage. */
export function isAccountingDisabled(message: string): boolean {
  return /accounting storage is disabled/i.test(message)
}

/**
 * `sacct --noheader --parsable2 --format=JobID,State,ExitCode`: one line per job and per job step
 * (`12.batch`, `12.extern`); only the jobs themselves are kept. A cancelled job's state reads
 * `CANCELLED by 0`: the first word is the state.
 */
export function parseSacct(text: string): JobObservation[] {
  const jobs: JobObservation[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const [jobId, state, exitCode] = line.trim().split('|')
    if (!jobId || !state) throw new Error(`unexpected sacct line (want JobID|State|ExitCode): ${JSON.stringify(line)}`)
    if (jobId.includes('.')) continue
    jobs.push({ jobId, state: state.split(' ')[0], ...(exitCode ? { exitCode } : {}) })
  }
  return jobs
}

/** Slurm job states in which the job has not ended. */
const ACTIVE_STATES = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'RESV_DEL_HOLD',
  'STOPPED'
])

export function isActiveState(state: string): boolean {
  return ACTIVE_STATES.has(state)
}
