/** `runs:*`: the workspace's runs, read from their folders (run.json, config.json, metrics.jsonl, log.txt). */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  HostError,
  type MetricsHistory,
  type RunComparison,
  type RunDetail,
  type RunList,
  type RunSummary
} from '../common/contract'
import { deleteRun, listRuns, readMetrics, readRunRecord, renameRun, runDir, tagRun, type RunRecord } from '../core/train/runs'
import { runSummarySchema } from '../common/schemas/runs'
import { metricsRowSchema, type TrainSeries } from '../common/metricsLog'
import { PROGRESS_METRICS, type ProgressMetric } from '../common/trainer'
import { lockHolder } from '../core/train/runLock'
import type { ServiceContext } from './context'

const LOG_LINES = 500
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)

/**
 * Whether a run's "test" records are really its validation pairs: before --test existed, own-data
 * runs filed the end-of-run figures on their validation pairs as test. A files run without
 * data.test has no held-out pairs, so it has no test figures.
 */
export function filesValidationAsTest(config: Record<string, unknown>): boolean {
  return config.dataset === 'files' && !(config.data as { test?: unknown } | undefined)?.test
}

/**
 * metrics.jsonl column-wise: one array per series, ready for a chart (every progress metric is a
 * series). Rows are checked by the log's schema; one that does not read is left out. `noTest`:
 * the run has no held-out pairs, so a "test" record (an older run's) is not shown as one.
 */
export function metricsHistory(records: readonly unknown[], options: { noTest?: boolean } = {}): MetricsHistory {
  const train: TrainSeries = {
    step: [],
    epoch: [],
    ...(Object.fromEntries(PROGRESS_METRICS.map((key) => [key, [] as (number | null)[]])) as Record<
      ProgressMetric,
      (number | null)[]
    >)
  }
  const history: MetricsHistory = { train, validation: { step: [], epoch: [], auc: [], eer: [], tenFold: [] }, test: null }
  for (const record of records) {
    const parsed = metricsRowSchema.safeParse(record)
    if (!parsed.success) continue
    const r = parsed.data
    if (r.kind === 'train') {
      train.step.push(r.step)
      train.epoch.push(num(r.epoch) ?? 0)
      for (const key of PROGRESS_METRICS) train[key].push(num(r[key]))
    } else if (r.kind === 'validation') {
      const v = history.validation
      v.step.push(r.step)
      v.epoch.push(num(r.epoch) ?? 0)
      v.auc.push(num(r.auc))
      v.eer.push(num(r.eer))
      v.tenFold.push(num(r.tenFold))
    } else if (r.kind === 'test' && !options.noTest) {
      history.test = { set: r.set ?? 'test', auc: num(r.auc), eer: num(r.eer), tenFold: num(r.tenFold) }
    }
  }
  return history
}

function readConfig(dir: string): Record<string, unknown> {
  const file = join(dir, 'config.json')
  if (!existsSync(file)) return {}
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function stepCheckpoints(dir: string): string[] {
  const folder = join(dir, 'checkpoints')
  if (!existsSync(folder)) return []
  return readdirSync(folder)
    .filter((name) => /^(step-\d+|last|best|final)$/.test(name))
    .sort()
}

function summarize(dir: string, record: RunRecord, active: boolean): RunSummary {
  const config = readConfig(dir)
  const history = metricsHistory(readMetrics(dir), { noTest: filesValidationAsTest(config) })
  const aucs = history.validation.auc.filter((v): v is number => v !== null)
  const canContinue =
    record.status === 'interrupted' || record.status === 'stopped' || record.status === 'paused' || record.status === 'failed'
  return {
    id: record.id,
    name: record.name,
    tags: record.tags,
    status: record.status,
    ...(record.message ? { message: record.message } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.step !== undefined ? { step: record.step } : {}),
    ...(record.totalSteps !== undefined ? { totalSteps: record.totalSteps } : {}),
    ...(typeof config.loss === 'string' ? { loss: config.loss } : {}),
    ...(typeof config.backbone === 'string' ? { backbone: config.backbone } : {}),
    ...(typeof config.embeddingDim === 'number' ? { embeddingDim: config.embeddingDim } : {}),
    bestValAuc: aucs.length ? Math.max(...aucs) : null,
    testAuc: history.test?.auc ?? null,
    testEer: history.test?.eer ?? null,
    active,
    resumable: !active && canContinue && stepCheckpoints(dir).some((name) => name.startsWith('step-') || name === 'last')
  }
}

function tail(file: string, lines: number): string[] {
  if (!existsSync(file)) return []
  // Logs stay small (one line per event), but read at most the last 256 kB to be safe.
  const size = statSync(file).size
  const text = readFileSync(file, 'utf8')
  const cut = size > 262_144 ? text.slice(-262_144) : text
  return cut
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-lines)
}

function filesUnder(root: string, prefix = ''): string[] {
  if (!existsSync(root)) return []
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(root, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]
  )
}

function flatten(value: unknown, prefix: string, out: Record<string, string>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out)
  } else if (prefix) {
    out[prefix] = Array.isArray(value) ? JSON.stringify(value) : String(value)
  }
}

/** Fields of config.json that say where/how a run ran, not what it trains: left out of comparisons. */
const NOT_RECIPE = new Set(['runId', 'createdAt', 'host', 'backend', 'device', 'workspace', 'versions'])

export class RunsService {
  constructor(private readonly ctx: ServiceContext) {}

  private dirOf(id: string): string {
    const dir = runDir(this.ctx.workspace(), id)
    if (!existsSync(dir)) throw new HostError('not-found', `no run "${id}" in ${this.ctx.workspace()}`)
    return dir
  }

  /** Every run that reads; each one that does not is left out and named in `problems`. */
  list(): RunList {
    const { runs, problems } = listRuns(this.ctx.workspace())
    const summaries: RunSummary[] = []
    for (const record of runs) {
      try {
        summaries.push(
          runSummarySchema.parse(summarize(runDir(this.ctx.workspace(), record.id), record, this.ctx.isTraining(record.id)))
        )
      } catch (error) {
        problems.push(
          `${runDir(this.ctx.workspace(), record.id)}: cannot be listed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`
        )
      }
    }
    return { runs: summaries, problems }
  }

  summary(id: string): RunSummary {
    const dir = this.dirOf(id)
    return summarize(dir, readRunRecord(dir), this.ctx.isTraining(id))
  }

  get(id: string): RunDetail {
    const dir = this.dirOf(id)
    const record = readRunRecord(dir)
    const best = existsSync(join(dir, 'checkpoints', 'best'))
    return {
      summary: summarize(dir, record, this.ctx.isTraining(id)),
      dir,
      config: readConfig(dir),
      metrics: metricsHistory(readMetrics(dir), { noTest: filesValidationAsTest(readConfig(dir)) }),
      checkpoints: stepCheckpoints(dir).map((name) => ({
        name,
        step: /^step-(\d+)$/.test(name) ? Number(name.slice(5)) : null,
        best: name === 'best' && best
      })),
      log: tail(join(dir, 'log.txt'), LOG_LINES),
      exports: filesUnder(join(dir, 'exports')).map((f) => `exports/${f}`),
      evaluations: filesUnder(join(dir, 'eval')).filter((f) => f.endsWith('.json'))
    }
  }

  rename(id: string, name: string): RunSummary {
    this.dirOf(id)
    renameRun(this.ctx.workspace(), id, name)
    this.ctx.emit('runs:changed', { runId: id, reason: 'renamed' })
    return this.summary(id)
  }

  tag(id: string, add: string[], remove: string[] = []): RunSummary {
    this.dirOf(id)
    tagRun(this.ctx.workspace(), id, add, remove)
    this.ctx.emit('runs:changed', { runId: id, reason: 'tagged' })
    return this.summary(id)
  }

  delete(id: string): { id: string } {
    this.dirOf(id)
    if (this.ctx.isTraining(id)) throw new HostError('conflict', `run "${id}" is training: stop it before deleting it`)
    const holder = lockHolder(this.dirOf(id))
    if (holder)
      throw new HostError(
        'conflict',
        `run "${id}" is being trained by process ${holder.pid} (since ${holder.since}): stop it before deleting it`
      )
    deleteRun(this.ctx.workspace(), id)
    this.ctx.emit('runs:changed', { runId: id, reason: 'deleted' })
    return { id }
  }

  compare(ids: string[]): RunComparison {
    const runs = ids.map((id) => {
      const dir = this.dirOf(id)
      const record = readRunRecord(dir)
      const recipe: Record<string, string> = {}
      const config = readConfig(dir)
      const metrics = metricsHistory(readMetrics(dir), { noTest: filesValidationAsTest(config) })
      for (const key of NOT_RECIPE) delete config[key]
      flatten(config, '', recipe)
      const aucs = metrics.validation.auc.filter((v): v is number => v !== null)
      const last = <T>(values: T[]): T | null => (values.length ? values[values.length - 1] : null)
      return {
        id,
        name: record.name,
        recipe,
        results: {
          'train loss': last(metrics.train.loss),
          'val AUC (best)': aucs.length ? Math.max(...aucs) : null,
          'val AUC (last)': last(metrics.validation.auc),
          'test AUC': metrics.test?.auc ?? null,
          'test EER': metrics.test?.eer ?? null,
          'test 10-fold': metrics.test?.tenFold ?? null
        },
        metrics
      }
    })
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.recipe)))].sort()
    const differences = keys.filter((key) => new Set(runs.map((r) => r.recipe[key] ?? '(absent)')).size > 1)
    return { runs, differences }
  }
}
