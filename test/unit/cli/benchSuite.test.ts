// The benchmark suite writer: every group runs in order with its arguments, a failing group is
// recorded and does not stop the others, and the JSON and Markdown files carry the machine,
// backend and commit with each group's figures.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import type { CliIo } from '../../../src/cli/io'
import { benchHead } from '../../../src/cli/commands/benchHead'
import { markdownTable, runSuite, type SuiteReport } from '../../../src/cli/commands/benchSuite'

const repoDir = join(__dirname, '..', '..', '..')
const outDir = mkdtempSync(join(tmpdir(), 'bench-suite-'))
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

function capture(): CliIo & { out: string } {
  const io = { out: '', isTty: false, stdout: (s: string) => void (io.out += s), stderr: () => undefined }
  return io
}

describe('bench suite', () => {
  it('runs the groups in order, records a failure, and writes JSON + Markdown with machine, backend and commit', async () => {
    const backend = await initBackend({ force: 'wasm' })
    const io = capture()
    const calls: string[] = []
    const { report, jsonPath, markdownPath } = await runSuite(
      {
        groups: {
          fake: async (argv) => {
            calls.push(`fake ${argv.join(' ')}`)
            return [
              { size: 1, note: 'a|b' },
              { size: 2, extra: 0.123456 }
            ]
          },
          broken: async () => {
            calls.push('broken')
            throw new Error('no such device')
          },
          head: (argv, groupIo) => {
            calls.push('head')
            return benchHead(argv, groupIo)
          }
        },
        argsFor: (name) =>
          name === 'head'
            ? ['--classes', '32', '--dims', '4', '--batch', '2', '--steps', '1', '--warmup', '0', '--heads', 'softmax,dsoftmax-b']
            : ['--quick'],
        mode: 'quick',
        backend,
        outDir,
        repoDir
      },
      io
    )
    expect(calls).toEqual(['fake --quick', 'broken', 'head'])
    expect(readdirSync(outDir).sort()).toEqual([jsonPath, markdownPath].map((p) => p.slice(outDir.length + 1)).sort())
    const saved = JSON.parse(readFileSync(jsonPath, 'utf8')) as SuiteReport
    expect(saved).toEqual(JSON.parse(JSON.stringify(report)))
    expect(saved.format).toBe('dsoftmax-bench/1')
    expect(saved.git.commit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim())
    expect(jsonPath).toContain(saved.git.commit.slice(0, 7))
    expect(saved.machine.cores).toBe(cpus().length)
    expect(saved.machine.node).toBe(process.version)
    expect(saved.backend.tfBackend).toBe('wasm')
    expect(saved.groups.broken.error).toBe('no such device')
    expect(saved.groups.fake.results).toEqual([
      { size: 1, note: 'a|b' },
      { size: 2, extra: 0.123456 }
    ])
    const head = saved.groups.head.results as { head: string; status: string; speedupVsSoftmax?: number }[]
    expect(head.map((c) => [c.head, c.status])).toEqual([
      ['Softmax', 'ok'],
      ['D-Softmax-B', 'ok']
    ])
    expect(head[1].speedupVsSoftmax).toBeGreaterThan(0)

    const markdown = readFileSync(markdownPath, 'utf8')
    expect(markdown).toContain(`commit: \`${saved.git.commit}\``)
    expect(markdown).toContain(`${saved.machine.cores} cores`)
    expect(markdown).toContain('## broken')
    expect(markdown).toContain('Failed: no such device')
    expect(markdown).toContain('| size | note | extra |\n| --- | --- | --- |\n| 1 | a\\|b |  |\n| 2 |  | 0.1235 |')
    expect(markdown).toMatch(/\| D-Softmax-B \| dsoftmax-b \| 32 \| 4 \| 2 \| ok \| [0-9.]+ \| [0-9.]+ \| [12] \|/)
    expect(io.out).toContain(`Wrote ${jsonPath}`)
  })

  it('markdownTable formats integers, large and small numbers and nested values', () => {
    expect(markdownTable([{ a: 12, b: 1234.567, c: 0.000123456, d: { x: 1 } }])).toBe(
      '| a | b | c | d |\n| --- | --- | --- | --- |\n| 12 | 1234.6 | 0.0001235 | {"x":1} |'
    )
  })
})
