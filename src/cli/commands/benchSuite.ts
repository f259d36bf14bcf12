// `bench` without a group: every benchmark group in turn, then one JSON record and one Markdown
// table of all their figures, with the machine, the backend and the git commit, so runs can be
// compared across commits. A group that fails is recorded with its error; the others still run.
import { execFileSync } from 'node:child_process'
import { cpus, totalmem, platform, arch } from 'node:os'
import { join } from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from '../../core/util/atomicWrite'
import type { BackendInitReport } from '../../core/backend'
import type { CliIo } from '../io'

export type BenchGroup = (argv: string[], io: CliIo) => Promise<unknown>

export interface MachineInfo {
  cpuModel: string
  cores: number
  memoryBytes: number
  platform: string
  arch: string
  node: string
}

export interface GitInfo {
  commit: string
  /** Uncommitted changes in the working tree when the suite ran. */
  dirty: boolean
}

export interface GroupOutcome {
  args: string[]
  seconds: number
  results?: unknown
  error?: string
}

export interface SuiteReport {
  format: 'dsoftmax-bench/1'
  startedAt: string
  finishedAt: string
  mode: 'quick' | 'full'
  git: GitInfo
  machine: MachineInfo
  backend: { choice: string; tfBackend: string; simd?: boolean; threads?: number; versions: Record<string, string> }
  groups: Record<string, GroupOutcome>
}

export function machineInfo(): MachineInfo {
  const cores = cpus()
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryBytes: totalmem(),
    platform: platform(),
    arch: arch(),
    node: process.version
  }
}

/** The commit checked out in `cwd`, or 'unknown' outside a git work tree. */
export function gitInfo(cwd: string): GitInfo {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim()
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    })
    return { commit, dirty: status.trim().length > 0 }
  } catch {
    return { commit: 'unknown', dirty: false }
  }
}

export interface SuiteOptions {
  groups: Record<string, BenchGroup>
  /** Arguments each group runs with (e.g. ['--quick']). */
  argsFor: (group: string) => string[]
  mode: 'quick' | 'full'
  backend: BackendInitReport
  outDir: string
  /** Where git is asked for the commit (the repository root). */
  repoDir: string
}

/** Runs the groups one after another and writes `<outDir>/<time>-<commit>.json` and `.md`. */
export async function runSuite(
  options: SuiteOptions,
  io: CliIo
): Promise<{ report: SuiteReport; jsonPath: string; markdownPath: string }> {
  const startedAt = new Date()
  const groups: Record<string, GroupOutcome> = {}
  for (const [name, run] of Object.entries(options.groups)) {
    const args = options.argsFor(name)
    io.stdout(`\n=== bench ${name}${args.length ? ' ' + args.join(' ') : ''} ===\n`)
    const start = performance.now()
    try {
      const results = await run(args, io)
      groups[name] = { args, seconds: (performance.now() - start) / 1000, results }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      groups[name] = { args, seconds: (performance.now() - start) / 1000, error: message }
      io.stdout(`bench ${name} failed: ${message}\n`)
    }
  }
  const { choice, tfBackend, simd, threads, versions } = options.backend
  const report: SuiteReport = {
    format: 'dsoftmax-bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: options.mode,
    git: gitInfo(options.repoDir),
    machine: machineInfo(),
    backend: { choice, tfBackend, simd, threads, versions },
    groups
  }
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  const base = join(options.outDir, `${stamp}-${report.git.commit.slice(0, 7)}${report.git.dirty ? '-dirty' : ''}`)
  const jsonPath = `${base}.json`
  const markdownPath = `${base}.md`
  writeJsonAtomic(jsonPath, report)
  writeFileAtomic(markdownPath, suiteMarkdown(report))
  io.stdout(`\nWrote ${jsonPath}\nWrote ${markdownPath}\n`)
  return { report, jsonPath, markdownPath }
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value)
    return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4)
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** A Markdown table of a list of flat records (columns: every key, in first-seen order). */
export function markdownTable(rows: Record<string, unknown>[]): string {
  const columns: string[] = []
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key)
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(columns), line(columns.map(() => '---')), ...rows.map((row) => line(columns.map((c) => cellText(row[c]))))].join(
    '\n'
  )
}

function isRecordList(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))
}

export function suiteMarkdown(report: SuiteReport): string {
  const m = report.machine
  const lines = [
    `# Benchmarks ${report.startedAt.slice(0, 10)} (${report.mode})`,
    '',
    `- commit: \`${report.git.commit}\`${report.git.dirty ? ' (uncommitted changes)' : ''}`,
    `- machine: ${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.platform}/${m.arch}, Node ${m.node}`,
    `- backend: ${report.backend.choice} (tf ${report.backend.tfBackend}${report.backend.simd !== undefined ? `, SIMD ${report.backend.simd ? 'on' : 'off'}` : ''}${report.backend.threads !== undefined ? `, ${report.backend.threads} thread(s)` : ''})`,
    `- ran ${report.startedAt} → ${report.finishedAt}`
  ]
  for (const [name, outcome] of Object.entries(report.groups)) {
    lines.push(
      '',
      `## ${name}${outcome.args.length ? ` (\`${outcome.args.join(' ')}\`)` : ''}, ${outcome.seconds.toFixed(0)} s`,
      ''
    )
    if (outcome.error !== undefined) lines.push(`Failed: ${cellText(outcome.error)}`)
    else if (isRecordList(outcome.results)) lines.push(markdownTable(outcome.results))
    else lines.push('```json', JSON.stringify(outcome.results ?? null, null, 2), '```')
  }
  return lines.join('\n') + '\n'
}
