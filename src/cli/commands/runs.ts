// `runs`: the workspace's training runs — list, show, compare (metrics side by side), rename,
// tag, delete. Reads and writes only run.json (name, tags) besides deleting whole folders.
import { parseArgs } from 'node:util'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  defaultWorkspace,
  deleteRun,
  existingRun,
  listRuns,
  readRunRecord,
  renameRun,
  runSummary,
  tagRun,
  type RunRecord
} from '../../core/train/runs'
import { UsageError, type CliIo } from '../io'

export const RUNS_USAGE = `Usage: npm run cli -- runs <action> [options]
  list                       every run: id, name, status, progress, tags
  show RUN                   one run: record, recipe, metrics summary, checkpoints
  compare RUN RUN [RUN…]     metrics side by side
  rename RUN NAME            set the display name
  tag RUN TAG… [--remove TAG]  add (or remove) tags
  delete RUN                 delete the run folder (refused while its trainer runs)
Options: --out DIR (workspace, default ${defaultWorkspace()})  --json
`

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

const show = (value: number | string | undefined): string =>
  value === undefined ? '-' : typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(4)) : value

function progress(record: RunRecord): string {
  return record.step === undefined ? '-' : `${record.step}/${record.totalSteps ?? '?'}`
}

function checkpoints(dir: string): { steps: string[]; last: boolean; best: boolean; final: boolean } {
  const root = join(dir, 'checkpoints')
  const names = existsSync(root) ? readdirSync(root) : []
  return {
    steps: names.filter((n) => /^step-\d+$/.test(n)).sort(),
    last: names.includes('last'),
    best: names.includes('best'),
    final: names.includes('final')
  }
}

export async function runsCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    io.stdout(RUNS_USAGE)
    return argv.length === 0 ? 2 : 0
  }
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean' }, remove: { type: 'string', multiple: true } }
  })
  const workspace = resolve(values.out ?? defaultWorkspace())
  const [action, ...args] = positionals
  const json = values.json === true
  const need = (count: number, what: string): void => {
    if (args.length < count) throw new UsageError(`runs ${action} needs ${what}\n\n${RUNS_USAGE}`)
  }
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn()
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error))
    }
  }
  switch (action) {
    case 'list': {
      const { runs, problems } = listRuns(workspace)
      for (const p of problems) io.stderr(`warning: ${p}\n`)
      if (json) io.stdout(JSON.stringify(runs) + '\n')
      else if (runs.length === 0) io.stdout(`no runs in ${join(workspace, 'runs')}\n`)
      else {
        const rows = [['ID', 'NAME', 'STATUS', 'STEP', 'TAGS', 'CREATED']]
        for (const r of runs)
          rows.push([
            r.id,
            r.name === r.id ? '-' : r.name,
            r.status,
            progress(r),
            r.tags.join(',') || '-',
            r.createdAt.replace(/\.\d+Z$/, 'Z')
          ])
        io.stdout(table(rows))
      }
      return 0
    }
    case 'show': {
      need(1, 'a run id')
      const dir = wrap(() => existingRun(workspace, args[0]))
      const record = wrap(() => readRunRecord(dir))
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>
      const result = { record, dir, summary: runSummary(dir), checkpoints: checkpoints(dir), config }
      if (json) {
        io.stdout(JSON.stringify(result) + '\n')
        return 0
      }
      const lines = [
        `${record.id}${record.name !== record.id ? ` "${record.name}"` : ''} — ${record.status}${record.message ? `: ${record.message}` : ''}`,
        `  folder     ${dir}`,
        `  progress   ${progress(record)}   tags: ${record.tags.join(', ') || '-'}`,
        `  recipe     ${String(config.loss)} on ${String(config.backbone)}, preset ${String(config.preset)}, seed ${String(config.seed)}`,
        `  checkpoints ${result.checkpoints.steps.join(', ') || 'none'}${result.checkpoints.best ? '; best/' : ''}${result.checkpoints.last ? '; last/' : ''}${result.checkpoints.final ? '; final/' : ''}`
      ]
      for (const [key, value] of Object.entries(result.summary))
        if (value !== undefined) lines.push(`  ${key.padEnd(15)} ${show(value)}`)
      io.stdout(lines.join('\n') + '\n')
      return 0
    }
    case 'compare': {
      need(2, 'at least two run ids')
      const dirs = args.map((id) => wrap(() => existingRun(workspace, id)))
      const summaries = dirs.map((dir) => runSummary(dir))
      if (json) {
        io.stdout(JSON.stringify(Object.fromEntries(args.map((id, i) => [id, summaries[i]]))) + '\n')
        return 0
      }
      const keys = [...new Set(summaries.flatMap((s) => Object.keys(s)))]
      const rows = [['', ...args], ...keys.map((key) => [key, ...summaries.map((s) => show(s[key]))])]
      io.stdout(table(rows))
      return 0
    }
    case 'rename': {
      need(2, 'a run id and a name')
      const record = wrap(() => renameRun(workspace, args[0], args.slice(1).join(' ')))
      io.stdout(json ? JSON.stringify(record) + '\n' : `run ${record.id} is now "${record.name}"\n`)
      return 0
    }
    case 'tag': {
      if (args.length < 1 || (args.length < 2 && !values.remove))
        throw new UsageError(`runs tag needs a run id and tags\n\n${RUNS_USAGE}`)
      const record = wrap(() => tagRun(workspace, args[0], args.slice(1), values.remove ?? []))
      io.stdout(json ? JSON.stringify(record) + '\n' : `run ${record.id} tags: ${record.tags.join(', ') || '-'}\n`)
      return 0
    }
    case 'delete': {
      need(1, 'a run id')
      for (const id of args) {
        wrap(() => deleteRun(workspace, id))
        io.stdout(`deleted run ${id}\n`)
      }
      return 0
    }
    default:
      throw new UsageError(`unknown runs action "${action}"\n\n${RUNS_USAGE}`)
  }
}
