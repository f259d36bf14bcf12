// The eval-scores command end to end on real CSV files in a temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { evalScoresCommand } from '../../../src/cli/commands/eval-scores'
import { verificationReport } from '../../../src/core/eval'
import { randomPairs } from './reference'

const dir = mkdtempSync(join(tmpdir(), 'eval-scores-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await evalScoresCommand(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) })
  return { code, stdout, stderr }
}

const { labels, scores } = randomPairs(1234, 9, 50)
const rows = labels.map((l, i) => `${l},${scores[i]}`)

describe('eval-scores', () => {
  it('--json prints exactly one JSON object with the required keys, equal to verificationReport', async () => {
    const path = file('good.csv', `label,score\n${rows.join('\n')}\n`)
    const { code, stdout, stderr } = await run(['--input', path, '--json'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const out = JSON.parse(stdout)
    for (const key of [
      'pairs',
      'genuine',
      'impostor',
      'auc',
      'eer',
      'eerThreshold',
      'tarAtFar',
      'unreliableFar',
      'bestAccuracy',
      'tenFold'
    ]) {
      expect(out).toHaveProperty(key)
    }
    expect(Object.keys(out.tarAtFar)).toEqual(['0.1', '0.01', '0.001', '0.0001', '1e-05', '1e-06'])
    expect(out.tenFold).toHaveProperty('mean')
    expect(out.tenFold).toHaveProperty('std')
    expect(out).toMatchObject(JSON.parse(JSON.stringify(verificationReport(labels, scores))))
    expect(out.pairs).toBe(1234)
  })

  it('detects a header, in any column order, and works without one; CRLF, BOM and blank lines are fine', async () => {
    const expected = verificationReport(labels, scores)
    const variants = {
      'none.csv': `${rows.join('\n')}`,
      'crlf.csv': `\ufefflabel,score\r\n${rows.join('\r\n')}\r\n\r\n`,
      'swapped.csv': `Score,Label,id\n${labels.map((l, i) => `${scores[i]},${l},p${i}`).join('\n')}\n`,
      'quoted.csv': `"label","score"\n${labels.map((l, i) => `"${l}","${scores[i]}"`).join('\n')}\n`
    }
    for (const [name, text] of Object.entries(variants)) {
      const { code, stdout, stderr } = await run(['-i', file(name, text), '--json'])
      expect(stderr, name).toBe('')
      expect(code, name).toBe(0)
      expect(JSON.parse(stdout).auc, name).toBe(expected.auc)
      expect(JSON.parse(stdout).tenFold.folds, name).toEqual(expected.tenFold.folds)
    }
  })

  it('rejects bad rows with file:line and a non-zero exit code', async () => {
    const cases: [string, string, RegExp][] = [
      ['label.csv', 'label,score\n1,0.5\n0,0.1\nx,0.3\n', /label\.csv:4: label must be 0 or 1, got "x"/],
      ['two.csv', '1,0.5\n2,0.1\n', /two\.csv:2: label must be 0 or 1, got "2"/],
      ['nan.csv', 'label,score\n1,0.5\n0,nan\n', /nan\.csv:3: score must be finite, got "nan"/],
      ['inf.csv', '1,0.5\n0,1e999\n', /inf\.csv:2: score must be finite/],
      ['word.csv', '1,0.5\n\n0,high\n', /word\.csv:3: score must be a number, got "high"/],
      ['empty-score.csv', '1,0.5\n0,\n', /empty-score\.csv:2: score must be a number, got ""/],
      ['fields.csv', '1,0.5\n0,0.1,7\n', /fields\.csv:2: expected 2 fields, got 3/],
      ['header.csv', 'same,similarity\n1,0.5\n', /header\.csv:1: header must name a "label" and a "score" column/],
      ['empty.csv', '', /empty\.csv: no label,score rows/],
      ['header-only.csv', 'label,score\n', /header-only\.csv: no label,score rows/],
      ['one-class.csv', 'label,score\n1,0.5\n1,0.7\n', /one-class\.csv: only one class: all 2 pairs have label 1/]
    ]
    for (const [name, text, message] of cases) {
      const { code, stdout, stderr } = await run(['--input', file(name, text), '--json'])
      expect(code, name).toBe(1)
      expect(stdout, name).toBe('')
      expect(stderr, name).toMatch(message)
    }
  })

  it('reports a missing file and bad options', async () => {
    const missing = await run(['--input', join(dir, 'nope.csv')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv/)
    expect((await run([])).code).toBe(2)
    expect((await run(['--input', 'x.csv', '--bogus'])).code).toBe(2)
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/--input FILE/)
  })

  it('prints a readable table without --json, marking best-threshold accuracy as optimistic', async () => {
    const { code, stdout } = await run(['--input', file('table.csv', `${rows.join('\n')}\n`)])
    expect(code).toBe(0)
    expect(stdout).toMatch(/AUC/)
    expect(stdout).toMatch(/TAR@FAR=1e-06/)
    expect(stdout).toMatch(/10-fold accuracy/)
    expect(stdout).toMatch(/optimistic/)
  })
})
