// `npm run cli -- runs …` over run folders in the formats the trainer writes (run.json through
// writeRunRecord, metrics.jsonl lines, config.json, checkpoint directories).
import { afterAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli/cli'
import type { CliIo } from '../../src/cli/io'
import { writeRunRecord, type RunRecord } from '../../src/core/train/runs'

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s)
  }
  return io
}

const workspace = mkdtempSync(join(tmpdir(), 'dsoftmax-runs-cli-'))
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

function makeRun(id: string, loss: string, record: Partial<RunRecord>, metrics: object[]): void {
  const dir = join(workspace, 'runs', id)
  mkdirSync(join(dir, 'checkpoints', 'step-00000020'), { recursive: true })
  mkdirSync(join(dir, 'checkpoints', 'best'), { recursive: true })
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ preset: 'fonts', loss, backbone: 'glyph-cnn', seed: 1 }))
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m) + '\n').join(''))
  writeRunRecord(dir, record)
}

makeRun('20260101-000000-fonts-dsoftmax', 'dsoftmax', { status: 'finished', step: 20, totalSteps: 20 }, [
  { kind: 'train', step: 20, loss: 12.5, intra: 8, inter: 4.5 },
  { kind: 'validation', step: 20, auc: 0.91 },
  { kind: 'test', set: 'fonts-test', auc: 0.93, eer: 0.14, tenFold: 0.86 }
])
makeRun('20260102-000000-fonts-normface', 'normface', { status: 'stopped', step: 10, totalSteps: 20 }, [
  { kind: 'train', step: 10, loss: 3.25 }
])

const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  const io = capture()
  const code = await main(['runs', ...argv, '--out', workspace], io)
  return { code, out: io.out, err: io.err }
}

describe('npm run cli -- runs', () => {
  it('lists runs newest first with status and progress', async () => {
    const { code, out } = await run('list')
    expect(code).toBe(0)
    const lines = out.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+STEP\s+TAGS\s+CREATED$/)
    expect(lines[1]).toMatch(/^20260102-000000-fonts-normface\s+-\s+stopped\s+10\/20/)
    expect(lines[2]).toMatch(/^20260101-000000-fonts-dsoftmax\s+-\s+finished\s+20\/20/)
  })

  it('renames and tags, and show prints both with the metrics and checkpoints', async () => {
    expect((await run('rename', '20260101-000000-fonts-dsoftmax', 'D-Softmax', 'baseline')).out).toBe(
      'run 20260101-000000-fonts-dsoftmax is now "D-Softmax baseline"\n'
    )
    expect((await run('tag', '20260101-000000-fonts-dsoftmax', 'paper', 'fig1')).out).toBe(
      'run 20260101-000000-fonts-dsoftmax tags: paper, fig1\n'
    )
    expect((await run('tag', '20260101-000000-fonts-dsoftmax', '--remove', 'fig1')).out).toBe(
      'run 20260101-000000-fonts-dsoftmax tags: paper\n'
    )
    const { out } = await run('show', '20260101-000000-fonts-dsoftmax')
    expect(out).toContain('"D-Softmax baseline" — finished')
    expect(out).toContain('tags: paper')
    expect(out).toMatch(/checkpoints step-00000020; best\//)
    expect(out).toMatch(/test AUC\s+0\.9300/)
    const json = JSON.parse((await run('show', '20260101-000000-fonts-dsoftmax', '--json')).out)
    expect(json.record).toMatchObject({ name: 'D-Softmax baseline', tags: ['paper'], status: 'finished' })
  })

  it('compares metrics side by side', async () => {
    const { out } = await run('compare', '20260101-000000-fonts-dsoftmax', '20260102-000000-fonts-normface')
    const rows = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => [line.split(/\s{2,}/)[0], line.split(/\s{2,}/).slice(1)])
    )
    expect(rows.loss).toEqual(['dsoftmax', 'normface'])
    expect(rows['train loss']).toEqual(['12.5000', '3.2500'])
    expect(rows['test AUC']).toEqual(['0.9300', '-'])
    const json = JSON.parse(
      (await run('compare', '20260101-000000-fonts-dsoftmax', '20260102-000000-fonts-normface', '--json')).out
    )
    expect(json['20260102-000000-fonts-normface'].steps).toBe(10)
  })

  it('deletes a run, refuses a running one and unknown ids with exit code 2', async () => {
    const live = join(workspace, 'runs', '20260103-000000-fonts-arcface')
    makeRun('20260103-000000-fonts-arcface', 'arcface', { status: 'running', pid: process.pid }, [])
    const refused = await run('delete', '20260103-000000-fonts-arcface')
    expect(refused.code).toBe(2)
    expect(refused.err).toMatch(/is running \(trainer pid \d+\); stop it first/)
    expect(existsSync(live)).toBe(true)
    expect((await run('delete', '20260102-000000-fonts-normface')).out).toBe('deleted run 20260102-000000-fonts-normface\n')
    expect(existsSync(join(workspace, 'runs', '20260102-000000-fonts-normface'))).toBe(false)
    const unknown = await run('show', 'nope')
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain(`no run "nope" in ${join(workspace, 'runs')}`)
    expect((await run('frobnicate')).err).toContain('unknown runs action "frobnicate"')
  })
})
