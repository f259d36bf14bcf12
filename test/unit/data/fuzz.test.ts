/**
 * Fuzzing the readers of files users bring: thousands of mutations (bit flips, hostile length
 * words, cuts, repeats, splices; hostile fields and lines in the text files) of valid .bin
 * pickles (ours and Python's protocols 0 and 2), .rec/.idx pairs (insightface layout and plain)
 * and pair lists (CSV, LFW pairs.txt). Each case either reads or is refused with an error that
 * names the file and the problem; none may crash the reader, hang it or run it out of memory.
 *
 * The cases run in a child process with a 256 MB heap (an allocation a file talks the reader
 * into ends it as out-of-memory, which fails this test) and a watchdog: a case that has not
 * finished after WATCHDOG_MS is reported as a hang. Figures (cases, seconds, peak memory) are
 * printed, not asserted.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const CASES = { bin: 4000, rec: 4000, pairs: 3000 } as const
const HEAP_MB = 256
/** No single case of these small files needs more than milliseconds; this only catches hangs. */
const WATCHDOG_MS = 20_000

const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-fuzz-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface CaseLine {
  n?: number
  result?: 'read' | 'refused' | 'finding'
  message?: string
  how?: string
  target?: string
  done?: boolean
  maxRssMB?: number
}

function runCases(kind: keyof typeof CASES): Promise<{
  lines: CaseLine[]
  code: number | null
  signal: string | null
  hung: number | null
  stderr: string
  seconds: number
}> {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        `--max-old-space-size=${HEAP_MB}`,
        join('test', 'fuzz', 'fuzzCases.ts'),
        kind,
        '0',
        String(CASES[kind]),
        join(dir, kind)
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    const lines: CaseLine[] = []
    let pending = ''
    let stderr = ''
    let hung: number | null = null
    let watchdog = setTimeout(() => undefined, 0)
    const arm = (): void => {
      clearTimeout(watchdog)
      watchdog = setTimeout(() => {
        hung = (lines.at(-1)?.n ?? -1) + 1
        child.kill('SIGKILL')
      }, WATCHDOG_MS)
    }
    arm()
    child.stdout.on('data', (chunk: Buffer) => {
      arm()
      pending += chunk.toString('utf8')
      const complete = pending.split('\n')
      pending = complete.pop() ?? ''
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as CaseLine)
    })
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')))
    child.on('close', (code, signal) => {
      clearTimeout(watchdog)
      resolve({ lines, code, signal, hung, stderr, seconds: (performance.now() - started) / 1000 })
    })
  })
}

describe('fuzzing the file readers', () => {
  it.each(Object.keys(CASES) as (keyof typeof CASES)[])(
    '%s: every mutated file reads or is refused by name, no crash, hang or out-of-memory',
    async (kind) => {
      const run = await runCases(kind)
      const cases = run.lines.filter((l) => l.n !== undefined)
      const summary = run.lines.find((l) => l.done)
      const refused = cases.filter((l) => l.result === 'refused').length
      console.log(
        `[fuzz] ${kind}: ${cases.length} cases (${cases.length - refused} read, ${refused} refused) in ${run.seconds.toFixed(1)} s, peak RSS ${summary?.maxRssMB ?? '?'} MB, heap limit ${HEAP_MB} MB`
      )
      expect(run.hung, `case ${run.hung} of ${kind} did not finish within ${WATCHDOG_MS} ms`).toBeNull()
      expect(run.stderr.slice(-2000), `the ${kind} reader process failed (code ${run.code}, signal ${run.signal})`).not.toMatch(
        /heap out of memory|fuzz runner failed|FATAL/
      )
      expect(run.code).toBe(0)
      expect(summary).toBeDefined()
      expect(cases).toHaveLength(CASES[kind])
      expect(cases.filter((l) => l.result === 'finding')).toEqual([])
    },
    180_000
  )
})
