// The workspace's runs: status (run.json), listing, renaming, tagging, deleting, and the metrics
// log read back. Used by the CLI's `runs` command, the trainer host and the trainer itself.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fsyncDirectory, writeJsonAtomic } from '../util/atomicWrite'
import { isAlive, lockHolder } from './runLock'
import { isRow, metricsRowSchema, type MetricsRow } from '../../common/metricsLog'

export const RUN_STATUSES = ['created', 'running', 'paused', 'stopped', 'finished', 'failed', 'interrupted'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

/** runs/<id>/run.json: what a run is called and where it stands. */
export interface RunRecord {
  id: string
  name: string
  tags: string[]
  status: RunStatus
  /** Trainer process while running (to notice a trainer that died with its host). */
  pid?: number
  /** Steps done when the status was last written, and the run's length. */
  step?: number
  totalSteps?: number
  /** For failed / interrupted: what happened, in words a person can act on. */
  message?: string
  createdAt: string
  updatedAt: string
}

/** The user's data directory for the app (XDG on Linux, Application Support on macOS, APPDATA on Windows). */
export function defaultWorkspace(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.DSOFTMAX_WORKSPACE) return resolve(env.DSOFTMAX_WORKSPACE)
  const home = homedir()
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'D-Softmax Studio', 'workspace')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'D-Softmax Studio', 'workspace')
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'dsoftmax-studio', 'workspace')
}

/** True for a name a run folder may have: word characters, dots and dashes, not `.`/`..`, not hidden. */
export function isRunId(id: string): boolean {
  return /^[\w.-]{1,200}$/.test(id) && !id.startsWith('.')
}

/** runs/<id>; the id is checked, so the folder is always directly inside runs/. */
export function runDir(workspace: string, id: string): string {
  if (!isRunId(id)) throw new Error(`"${id}" is not a run id`)
  return join(workspace, 'runs', id)
}

/** A recipe value as part of a folder name: word characters and dashes only (a preset of `../x` becomes `x`). */
function namePart(text: string): string {
  return (
    text
      .replace(/[^\w-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run'
  )
}

/** A new run's id: UTC time to the second, preset, loss (e.g. 20260203-040506-fonts-quick-dsoftmax). */
export function newRunId(preset: string, loss: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '').replace('T', '-')
  return `${stamp}-${namePart(preset)}-${namePart(loss)}`
}

/**
 * The id a host gives a new run: newRunId, with -2, -3, … when that folder exists or `taken`
 * (runs this host is starting whose folders do not exist yet) holds it.
 */
export function unusedRunId(
  workspace: string,
  preset: string,
  loss: string,
  taken: (id: string) => boolean = () => false
): string {
  const base = newRunId(preset, loss)
  let id = base
  for (let n = 2; taken(id) || existsSync(runDir(workspace, id)); n++) id = `${base}-${n}`
  return id
}

const isText = (v: unknown): v is string => typeof v === 'string'
const isCount = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0)

/** What is wrong with a parsed run.json, or null: every field a listing sorts or shows is checked. */
function recordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object'
  const r = value as Record<string, unknown>
  if (!isText(r.name)) return 'name is not text'
  if (!Array.isArray(r.tags) || !r.tags.every(isText)) return 'tags is not a list of text'
  if (!RUN_STATUSES.includes(r.status as RunStatus))
    return `status ${JSON.stringify(r.status)} is not one of ${RUN_STATUSES.join(', ')}`
  if (!isText(r.createdAt) || !isText(r.updatedAt)) return 'createdAt/updatedAt are not text'
  if (!isCount(r.step) || !isCount(r.totalSteps) || !(r.pid === undefined || Number.isInteger(r.pid)))
    return 'step, totalSteps or pid is not a number'
  if (r.message !== undefined && !isText(r.message)) return 'message is not text'
  return null
}

/** Reads run.json. A run marked running/paused whose trainer process is gone reads as interrupted. */
export function readRunRecord(dir: string): RunRecord {
  const path = join(dir, 'run.json')
  const id = dir.split(/[\\/]/).pop() as string
  if (!existsSync(path)) {
    if (!existsSync(join(dir, 'config.json'))) throw new Error(`${dir} is not a run folder (no config.json)`)
    // Runs written before run.json existed.
    const created = statSync(join(dir, 'config.json')).mtime.toISOString()
    return {
      id,
      name: id,
      tags: [],
      status: existsSync(join(dir, 'checkpoints', 'final')) ? 'finished' : 'interrupted',
      createdAt: created,
      updatedAt: created
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  const problem = recordProblem(parsed)
  if (problem) throw new Error(`${path} is not a run record: ${problem}`)
  const record = parsed as RunRecord
  if ((record.status === 'running' || record.status === 'paused') && (record.pid === undefined || !isAlive(record.pid))) {
    return {
      ...record,
      status: 'interrupted',
      message: record.message ?? 'the trainer process ended without finishing; resume continues from the last checkpoint'
    }
  }
  return { ...record, id }
}

export function writeRunRecord(dir: string, update: Partial<RunRecord>): RunRecord {
  const now = new Date().toISOString()
  const id = dir.split(/[\\/]/).pop() as string
  const current: RunRecord = existsSync(join(dir, 'run.json'))
    ? (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecord)
    : { id, name: id, tags: [], status: 'created', createdAt: now, updatedAt: now }
  const next: RunRecord = { ...current, ...update, id, updatedAt: now }
  if (update.status && update.status !== 'running' && update.status !== 'paused') delete next.pid
  if (update.status && (update.status === 'running' || update.status === 'finished')) delete next.message
  writeJsonAtomic(join(dir, 'run.json'), next)
  return next
}

/** Every run in the workspace, newest first. Unreadable folders are listed with the reason. */
export function listRuns(workspace: string): { runs: RunRecord[]; problems: string[] } {
  const root = join(workspace, 'runs')
  if (!existsSync(root)) return { runs: [], problems: [] }
  const runs: RunRecord[] = []
  const problems: string[] = []
  for (const id of readdirSync(root)) {
    if (id.startsWith('.')) continue
    try {
      runs.push(readRunRecord(join(root, id)))
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error))
    }
  }
  runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
  return { runs, problems }
}

/** The metrics log, each row checked (src/common/metricsLog.ts); a torn last line (a crash mid-append) or an unreadable row is skipped. */
export function readMetrics(dir: string): MetricsRow[] {
  const path = join(dir, 'metrics.jsonl')
  if (!existsSync(path)) return []
  const rows: MetricsRow[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      continue // torn line
    }
    const row = metricsRowSchema.safeParse(value)
    if (row.success) rows.push(row.data)
  }
  return rows
}

/** The numbers a comparison shows: last training loss, best and last validation, test metrics. */
export function runSummary(dir: string): Record<string, number | string | undefined> {
  const metrics = readMetrics(dir)
  const train = metrics.filter(isRow('train')).at(-1)
  const validations = metrics.filter(isRow('validation'))
  const test = metrics.filter(isRow('test')).at(-1)
  const num = (value: number | null | undefined): number | undefined => (typeof value === 'number' ? value : undefined)
  const bestAuc = validations.reduce<number | undefined>(
    (best, v) => (typeof v.auc === 'number' && (best === undefined || v.auc > best) ? v.auc : best),
    undefined
  )
  const config = existsSync(join(dir, 'config.json'))
    ? (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>)
    : {}
  return {
    loss: typeof config.loss === 'string' ? config.loss : undefined,
    backbone: typeof config.backbone === 'string' ? config.backbone : undefined,
    steps: num(train?.step),
    'train loss': num(train?.loss),
    'train intra': num(train?.intra),
    'train inter': num(train?.inter),
    'val AUC (best)': bestAuc,
    'val AUC (last)': num(validations.at(-1)?.auc),
    'test AUC': num(test?.auc),
    'test EER': num(test?.eer),
    'test 10-fold': num(test?.tenFold)
  }
}

export function renameRun(workspace: string, id: string, name: string): RunRecord {
  if (!name.trim()) throw new Error('a run name cannot be empty')
  const dir = existingRun(workspace, id)
  readRunRecord(dir)
  return writeRunRecord(dir, { name: name.trim() })
}

export function tagRun(workspace: string, id: string, add: string[], remove: string[] = []): RunRecord {
  const dir = existingRun(workspace, id)
  const record = readRunRecord(dir)
  for (const tag of add) if (!/^[\w.:-]+$/.test(tag)) throw new Error(`tag "${tag}" may only hold letters, digits and . _ : -`)
  const tags = [...new Set([...record.tags, ...add])].filter((t) => !remove.includes(t))
  return writeRunRecord(dir, { tags })
}

/** Where deleted runs wait to be removed: inside runs/, hidden from listings by its dot. */
export const TRASH_FOLDER = '.trash'

/**
 * Deletes a run folder; refuses while its trainer is alive (run.json or the run's lock). The
 * folder is first renamed into runs/.trash/ (one atomic step: the run is either listed whole or
 * gone), then removed there; a removal cut short leaves only trash, cleared on the next delete.
 */
export function deleteRun(workspace: string, id: string): void {
  const dir = existingRun(workspace, id)
  const record = readRunRecord(dir)
  if (record.status === 'running' || record.status === 'paused')
    throw new Error(`run ${id} is ${record.status} (trainer pid ${record.pid}); stop it first`)
  const holder = lockHolder(dir)
  if (holder) throw new Error(`run ${id} is being trained by process ${holder.pid} (since ${holder.since}); stop it first`)
  const trash = join(workspace, 'runs', TRASH_FOLDER)
  mkdirSync(trash, { recursive: true })
  renameSync(dir, join(trash, `${id}-${randomBytes(4).toString('hex')}`))
  fsyncDirectory(join(workspace, 'runs'))
  for (const entry of readdirSync(trash)) rmSync(join(trash, entry), { recursive: true, force: true })
}

export function existingRun(workspace: string, id: string): string {
  const dir = runDir(workspace, id)
  if (!existsSync(dir)) throw new Error(`no run "${id}" in ${join(workspace, 'runs')}`)
  return dir
}
