// Run records: status, rename, tag, delete, and a run whose trainer died read as interrupted.
import { afterAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  defaultWorkspace,
  deleteRun,
  listRuns,
  readMetrics,
  readRunRecord,
  renameRun,
  runSummary,
  tagRun,
  writeRunRecord
} from '../../../src/core/train/runs'

const workspace = mkdtempSync(join(tmpdir(), 'dsoftmax-runs-'))
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

function makeRun(id: string, metrics: object[] = []): string {
  const dir = join(workspace, 'runs', id)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ loss: 'dsoftmax', backbone: 'glyph-cnn' }))
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n')
  return dir
}

/** A pid that surely belongs to no process: one that just exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString())
}

describe('run records', () => {
  it('reads a run whose trainer pid is gone as interrupted, and a live one as running', () => {
    const dir = makeRun('r1')
    writeRunRecord(dir, { status: 'running', pid: deadPid() })
    expect(readRunRecord(dir).status).toBe('interrupted')
    expect(readRunRecord(dir).message).toMatch(/resume continues from the last checkpoint/)
    writeRunRecord(dir, { status: 'running', pid: process.pid })
    expect(readRunRecord(dir).status).toBe('running')
  })

  it('renames, tags, untags, lists newest first and deletes', () => {
    makeRun('r2')
    writeRunRecord(join(workspace, 'runs', 'r2'), { status: 'finished' })
    expect(renameRun(workspace, 'r2', '  baseline  ').name).toBe('baseline')
    expect(tagRun(workspace, 'r2', ['fonts', 'paper']).tags).toEqual(['fonts', 'paper'])
    expect(tagRun(workspace, 'r2', [], ['fonts']).tags).toEqual(['paper'])
    expect(() => tagRun(workspace, 'r2', ['bad tag'])).toThrow(/tag "bad tag" may only hold/)
    const ids = listRuns(workspace).runs.map((r) => r.id)
    expect(ids).toContain('r2')
    expect(() => deleteRun(workspace, 'r1')).toThrow(/run r1 is running .*stop it first/)
    deleteRun(workspace, 'r2')
    expect(existsSync(join(workspace, 'runs', 'r2'))).toBe(false)
    expect(() => deleteRun(workspace, 'r2')).toThrow(/no run "r2"/)
    expect(() => deleteRun(workspace, '../etc')).toThrow(/is not a run id/)
  })

  it('reads metrics past a torn last line and summarises them', () => {
    const dir = makeRun('r3', [
      { kind: 'train', step: 10, loss: 3 },
      { kind: 'validation', step: 10, auc: 0.8 },
      { kind: 'validation', step: 20, auc: 0.7 },
      { kind: 'train', step: 20, loss: 2, intra: 1.5, inter: 0.5 },
      { kind: 'test', auc: 0.75, eer: 0.3, tenFold: 0.7 }
    ])
    writeFileSync(join(dir, 'metrics.jsonl'), '{"kind":"train","st', { flag: 'a' })
    expect(readMetrics(dir)).toHaveLength(5)
    expect(runSummary(dir)).toMatchObject({
      loss: 'dsoftmax',
      steps: 20,
      'train loss': 2,
      'val AUC (best)': 0.8,
      'val AUC (last)': 0.7,
      'test AUC': 0.75
    })
  })

  it('defaults the workspace to the user data directory, overridable by DSOFTMAX_WORKSPACE', () => {
    expect(defaultWorkspace({ XDG_DATA_HOME: '/x/data' }, 'linux')).toBe('/x/data/dsoftmax-studio/workspace')
    expect(defaultWorkspace({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toContain('D-Softmax Studio')
    expect(defaultWorkspace({ DSOFTMAX_WORKSPACE: '/tmp/ws' }, 'linux')).toBe('/tmp/ws')
  })
})
