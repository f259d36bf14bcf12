// `sweep`: many runs of one recipe over a grid (or list) of values, on this machine (a queue of
// at most K trainers) or on a Slurm cluster (one sbatch job per run): run, list, status, cancel,
// requeue, compare. `sweep worker` is what a job runs on the node: one run, resumed when its
// folder exists.
import { parseArgs } from 'node:util'
import { defaultWorkspace } from '../../core/train/runs'
import { runCount, type SweepAxis, type SweepValue } from '../../core/sweep/grid'
import { parseSweepValues } from '../../common/sweepValues'
import { listSweeps, type SchedulerSpec } from '../../core/sweep/store'
import { commonFars, farKey, type ComparedRun } from '../../core/sweep/compare'
import {
  cancelSweep,
  compareSweep,
  planSweep,
  requeueSweep,
  startSweep,
  sweepStatus,
  type SweepStatus
} from '../../services/sweeps/sweeps'
import { LocalQueue, localQueueServed } from '../../services/sweeps/localQueue'
import { configFromArgs, TRAIN_USAGE } from './train'
import { SweepError } from '../../core/sweep/errors'
import { SlurmCommandError } from '../../services/sweeps/slurmCommands'
import { UsageError, type CliIo } from '../io'

export const SWEEP_USAGE = `Usage: npm run cli -- sweep <action> [options]
  run [recipe options] --field PATH=V1,V2,… [--field …] [--list]   plan, validate and start a sweep
        recipe options: those of \`train\` (--preset, --loss, --steps, --data …; see train --help)
        --field PATH=VALUES   a recipe field (dotted: lossParams.d, loss, optimizer.lr, steps) and its values
        --list                pair the i-th values of every field instead of every combination (grid)
        --label TEXT          part of the sweep id
        --scheduler local|slurm      (default local)
        local:  --parallel K  runs trained at once (default 1); the queue runs in this terminal
        slurm:  --partition P --time T (e.g. 4:00:00) --gpus N (--gres=gpu:N) --cpus-per-task N
                --sbatch OPTION       a further #SBATCH option, repeatable (e.g. --sbatch=--qos=long)
        --dry-run             print the runs and stop
  list                        the workspace's sweeps
  status SWEEP                each run: state, step, job id (from squeue/sacct and the run folders)
  cancel SWEEP [RUN…]         stop runs (all when none is named); they stay resumable
  requeue SWEEP RUN…          continue runs from their last checkpoint (local: serves the queue here)
  compare SWEEP [--far X]     swept values against AUC, TAR@FAR=X (default 1e-3) and 10-fold accuracy
  worker --sweep ID --run NAME   what a job runs: one run, resumed from its checkpoint when its folder exists
Options: --out DIR (workspace, default ${defaultWorkspace()})  --json
`

const SWEEP_OPTIONS = {
  field: { type: 'string', multiple: true },
  list: { type: 'boolean' },
  label: { type: 'string' },
  scheduler: { type: 'string' },
  parallel: { type: 'string' },
  partition: { type: 'string' },
  time: { type: 'string' },
  gpus: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  sbatch: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' }
} as const

/** `lossParams.d=0.8,0.9` → the axis; values read as numbers or true/false where they are, text otherwise. */
export function parseField(text: string): SweepAxis {
  const at = text.indexOf('=')
  if (at <= 0 || at === text.length - 1)
    throw new UsageError(`--field wants PATH=V1,V2,… (e.g. lossParams.d=0.8,0.9), got "${text}"`)
  const values = parseSweepValues(text.slice(at + 1))
  return { field: text.slice(0, at).trim(), values }
}

function whole(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${value}"`)
  return n
}

/** Splits the sweep's own options from the recipe options, which `train`'s parser reads. */
function splitArgs(argv: string[]): { own: string[]; recipe: string[] } {
  const own: string[] = []
  const recipe: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2).split('=')[0] : ''
    if (!Object.hasOwn(SWEEP_OPTIONS, name)) {
      recipe.push(argv[i])
      continue
    }
    own.push(argv[i])
    const takesValue = SWEEP_OPTIONS[name as keyof typeof SWEEP_OPTIONS].type === 'string'
    if (takesValue && !argv[i].includes('=') && i + 1 < argv.length) own.push(argv[++i])
  }
  return { own, recipe }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  )
}

const showValue = (v: SweepValue | undefined): string => (v === undefined ? '-' : String(v))

function statusTable(status: SweepStatus): string {
  const fields = status.sweep.plan.axes.map((a) => a.field)
  const rows = [['run', ...fields, 'state', 'step', 'job', 'note']]
  for (const run of status.runs) {
    rows.push([
      run.name,
      ...fields.map((f) => showValue(run.values[f])),
      run.state,
      run.step === undefined ? '-' : `${run.step}/${run.totalSteps ?? '?'}`,
      run.jobId ?? '-',
      run.message ?? ''
    ])
  }
  const served =
    status.served === false && status.runs.some((r) => r.state === 'queued')
      ? `\nqueued runs start when a queue serves this sweep: npm run cli -- sweep requeue ${status.sweep.id} RUN…\n`
      : ''
  return `sweep ${status.sweep.id} (${status.sweep.scheduler.kind}, ${status.runs.length} runs)\n` + table(rows) + served
}

const fixed = (x: number): string => x.toFixed(4)
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`

function compareTable(rows: ComparedRun[], fields: string[], far: string | null): string {
  const header = ['run', ...fields, 'AUC', ...(far ? [`TAR@FAR=${far}`] : []), '10-fold', 'evaluated on']
  const body = rows.map((r) => {
    const res = r.result
    if (!res) return [r.name, ...fields.map((f) => showValue(r.values[f])), 'not finished']
    const tar = far ? [`${pct(res.tarAtFar[far])}${res.unreliableFar.includes(far) ? ' (unreliable)' : ''}`] : []
    return [
      r.name,
      ...fields.map((f) => showValue(r.values[f])),
      fixed(res.auc),
      ...tar,
      `${pct(res.tenFold)} ± ${pct(res.tenFoldStd)}`,
      res.set
    ]
  })
  return table([header, ...body])
}

async function serveLocal(workspace: string, id: string, io: CliIo, parallel: number): Promise<void> {
  let last = ''
  const report = (): void => {
    void sweepStatus(workspace, id).then((status) => {
      const line = status.runs.map((r) => `${r.name} ${r.state}`).join(', ')
      if (line !== last) io.stderr(`${line}\n`)
      last = line
    })
  }
  const queue = new LocalQueue(workspace, id, { maxParallel: parallel, onChange: report })
  const onSigint = (): void => {
    io.stderr('stopping: each training run writes a checkpoint and exits; requeue continues them\n')
    queue.stop()
  }
  process.on('SIGINT', onSigint)
  try {
    await queue.serve()
  } finally {
    process.off('SIGINT', onSigint)
  }
}

async function runAction(argv: string[], io: CliIo): Promise<number> {
  const { own, recipe } = splitArgs(argv)
  const { values } = parseArgs({ args: own, strict: true, options: SWEEP_OPTIONS })
  const train = configFromArgs(recipe)
  if (!values.field?.length) throw new UsageError('sweep run needs at least one --field PATH=V1,V2,…')
  const kind = values.scheduler ?? 'local'
  if (kind !== 'local' && kind !== 'slurm') throw new UsageError(`--scheduler must be local or slurm, got "${kind}"`)
  const scheduler: SchedulerSpec =
    kind === 'local'
      ? { kind, maxParallel: whole(values.parallel, 'parallel') ?? 1 }
      : {
          kind,
          slurm: {
            ...(values.partition ? { partition: values.partition } : {}),
            ...(values.time ? { time: values.time } : {}),
            ...(values.gpus !== undefined ? { gpus: whole(values.gpus, 'gpus') } : {}),
            ...(values['cpus-per-task'] !== undefined ? { cpusPerTask: whole(values['cpus-per-task'], 'cpus-per-task') } : {}),
            ...(values.sbatch?.length ? { extra: values.sbatch } : {})
          }
        }
  const request = {
    base: train.config,
    plan: { mode: values.list ? ('list' as const) : ('grid' as const), axes: values.field.map(parseField) },
    scheduler,
    ...(values.label ? { label: values.label } : {}),
    ...(train.backend ? { backend: train.backend } : {})
  }
  const planned = planSweep(request)
  if (values['dry-run']) {
    if (train.json)
      io.stdout(JSON.stringify({ runs: planned.map((r) => ({ name: r.name, values: r.values, recipe: r.recipe })) }) + '\n')
    else io.stdout(`${runCount(request.plan)} runs:\n${planned.map((r) => `  ${r.name}`).join('\n')}\n`)
    return 0
  }
  const sweep = await startSweep(train.out, request)
  io.stderr(`sweep ${sweep.id}: ${sweep.runs.length} runs (${sweep.scheduler.kind}) in ${train.out}/sweeps/${sweep.id}\n`)
  if (sweep.scheduler.kind === 'local') await serveLocal(train.out, sweep.id, io, sweep.scheduler.maxParallel ?? 1)
  const status = await sweepStatus(train.out, sweep.id)
  io.stdout(train.json ? JSON.stringify(status) + '\n' : statusTable(status))
  return 0
}

export async function sweepCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    return await sweepAction(argv, io)
  } catch (error) {
    // Problems the user can act on print as messages, not stack traces.
    if (error instanceof SweepError || error instanceof SlurmCommandError) throw new UsageError(error.message)
    throw error
  }
}

async function sweepAction(argv: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = argv
  if (!action || action === '--help' || action === '-h') {
    io.stdout(SWEEP_USAGE)
    return action ? 0 : 2
  }
  if (action === 'run') {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(SWEEP_USAGE + '\nRecipe options:\n' + TRAIN_USAGE.split('\n').slice(1).join('\n'))
      return 0
    }
    return runAction(rest, io)
  }
  const { values, positionals } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      json: { type: 'boolean' },
      far: { type: 'string' },
      sweep: { type: 'string' },
      run: { type: 'string' }
    }
  })
  const workspace = values.out ?? defaultWorkspace()
  const json = values.json === true
  const [id, ...runs] = positionals
  const needId = (): string => {
    if (!id) throw new UsageError(`sweep ${action} needs a sweep id (see: sweep list)`)
    return id
  }
  switch (action) {
    case 'list': {
      const { sweeps, problems } = listSweeps(workspace)
      for (const problem of problems) io.stderr(`warning: ${problem}\n`)
      if (json)
        io.stdout(
          JSON.stringify(
            sweeps.map((s) => ({
              id: s.id,
              createdAt: s.createdAt,
              scheduler: s.scheduler.kind,
              runs: s.runs.length,
              fields: s.plan.axes.map((a) => a.field)
            }))
          ) + '\n'
        )
      else
        io.stdout(
          sweeps.length === 0
            ? `no sweeps in ${workspace}\n`
            : table([
                ['sweep', 'scheduler', 'runs', 'fields'],
                ...sweeps.map((s) => [s.id, s.scheduler.kind, String(s.runs.length), s.plan.axes.map((a) => a.field).join(', ')])
              ])
        )
      return 0
    }
    case 'status': {
      const status = await sweepStatus(workspace, needId())
      io.stdout(json ? JSON.stringify(status) + '\n' : statusTable(status))
      return 0
    }
    case 'cancel': {
      const cancelled = await cancelSweep(workspace, needId(), runs)
      io.stderr(`cancelled: ${cancelled.join(', ')}\n`)
      return 0
    }
    case 'requeue': {
      const sweepId = needId()
      if (runs.length === 0) throw new UsageError('sweep requeue needs the runs to continue (see: sweep status)')
      const requeued = await requeueSweep(workspace, sweepId, runs)
      io.stderr(`requeued: ${requeued.join(', ')}\n`)
      const status = await sweepStatus(workspace, sweepId)
      if (status.sweep.scheduler.kind === 'local' && !localQueueServed(workspace, sweepId)) {
        await serveLocal(workspace, sweepId, io, status.sweep.scheduler.maxParallel ?? 1)
      }
      return 0
    }
    case 'compare': {
      const sweepId = needId()
      const rows = compareSweep(workspace, sweepId)
      const fields = [...new Set(rows.flatMap((r) => Object.keys(r.values)))]
      const done = rows.some((r) => r.result)
      const far = done ? farKey(rows, values.far ?? '1e-3') : null
      if (json) io.stdout(JSON.stringify({ sweep: sweepId, fields, far, fars: commonFars(rows), runs: rows }) + '\n')
      else io.stdout(compareTable(rows, fields, far))
      return 0
    }
    case 'worker': {
      if (!values.sweep || !values.run) throw new UsageError('sweep worker needs --sweep ID and --run NAME')
      const { trainSweepRun } = await import('../../services/sweeps/worker')
      const outcome = await trainSweepRun(workspace, values.sweep, values.run, (line) =>
        io.stdout(`[${new Date().toISOString()}] ${line}\n`)
      )
      return outcome === 'failed' ? 1 : 0
    }
    default:
      throw new UsageError(`unknown sweep action "${action}"\n\n${SWEEP_USAGE}`)
  }
}
