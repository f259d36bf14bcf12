/**
 * Run folders under hostile or unlucky conditions: a recipe preset that tries to climb out of
 * runs/, malformed run.json files among good ones, two trainers reaching for one run (the lock,
 * and a stale lock left by a dead process), and deletion through runs/.trash.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { acquireRunLock, LOCK_FILE, lockHolder, RunLockedError } from '../../../src/core/train/runLock'
import { deleteRun, listRuns, newRunId, TRASH_FOLDER } from '../../../src/core/train/runs'
import { createRunFolder } from '../../../src/core/train/runStore'
import { runSession } from '../../../src/core/train/session'
import type { TrainerProcessEvent } from '../../../src/common/trainer'

const root = mkdtempSync(join(tmpdir(), 'dsoftmax-runsafety-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function workspace(name: string): string {
  const dir = join(root, name)
  mkdirSync(join(dir, 'runs'), { recursive: true })
  return dir
}

function writeRun(ws: string, id: string, record: unknown): string {
  const dir = join(ws, 'runs', id)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ preset: 'fonts-quick', loss: 'dsoftmax' }))
  writeFileSync(join(dir, 'run.json'), typeof record === 'string' ? record : JSON.stringify(record))
  return dir
}

const good = (id: string, createdAt = '2026-01-01T00:00:00Z'): object => ({
  id,
  name: id,
  tags: [],
  status: 'stopped',
  createdAt,
  updatedAt: createdAt
})

/** The pid of a process that has exited (so no process has it, for the moment). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(child.stdout)
}

describe('run folders stay inside runs/', () => {
  it('turns a preset with path separators and .. into a plain folder name', () => {
    const ws = workspace('escape')
    for (const preset of ['/../../../../tmp/escaped', '..\\..\\escaped', '../..', 'a/b']) {
      const id = newRunId(preset, 'dsoftmax/../x', new Date('2026-02-03T04:05:06Z'))
      expect(id, preset).toMatch(/^20260203-040506-[\w-]+-[\w-]+$/)
      const folder = createRunFolder(ws, id)
      expect(dirname(resolve(folder.dir)), preset).toBe(resolve(ws, 'runs'))
    }
    expect(existsSync(join(root, 'tmp'))).toBe(false)
  })

  it('refuses an id that is not a plain folder name', () => {
    const ws = workspace('ids')
    for (const id of ['../escaped', '..', '.', 'a/b', '.hidden', ''])
      expect(() => createRunFolder(ws, id), id).toThrow(/is not a run id/)
    expect(readdirSync(join(ws, 'runs'))).toEqual([])
  })
})

describe('one malformed run.json among good runs', () => {
  it('lists the good runs and names each bad file with its problem', () => {
    const ws = workspace('list')
    writeRun(ws, 'good-1', good('good-1', '2026-01-02T00:00:00Z'))
    writeRun(ws, 'good-2', good('good-2', '2026-01-01T00:00:00Z'))
    const bad: Record<string, unknown> = {
      truncated: '{"id": "truncated", "name": "tr',
      'null-record': 'null',
      'list-record': '[]',
      'number-date': { ...good('number-date'), createdAt: 5 },
      'odd-status': { ...good('odd-status'), status: 'exploded' },
      'tags-text': { ...good('tags-text'), tags: 'a,b' }
    }
    for (const [id, record] of Object.entries(bad)) writeRun(ws, id, record)
    const { runs, problems } = listRuns(ws)
    expect(runs.map((r) => r.id)).toEqual(['good-1', 'good-2'])
    expect(problems).toHaveLength(Object.keys(bad).length)
    for (const id of Object.keys(bad))
      expect(
        problems.some((p) => p.includes(join(ws, 'runs', id, 'run.json'))),
        id
      ).toBe(true)
    expect(problems.find((p) => p.includes('odd-status'))).toMatch(/status "exploded" is not one of/)
  })
})

describe('one trainer per run', () => {
  it('refuses a second lock while the first is held, and takes it after release', () => {
    const dir = writeRun(workspace('lock'), 'r', good('r'))
    const first = acquireRunLock(dir)
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, host: hostname() })
    expect(() => acquireRunLock(dir)).toThrow(RunLockedError)
    expect(() => acquireRunLock(dir)).toThrow(new RegExp(`being trained by process ${process.pid}`))
    first.release()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
    acquireRunLock(dir).release()
  })

  it('takes over a lock left by a process that died, and never one from another machine', () => {
    const dir = writeRun(workspace('stale'), 'r', good('r'))
    const pid = deadPid()
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00Z' }))
    expect(lockHolder(dir)).toBeNull()
    const lock = acquireRunLock(dir)
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid)
    lock.release()
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: 'another-machine', since: '2026-01-01T00:00:00Z' }))
    expect(() => acquireRunLock(dir)).toThrow(/process \d+ on another-machine/)
    writeFileSync(join(dir, LOCK_FILE), 'garbage')
    acquireRunLock(dir).release()
  })

  it('a trainer resuming a run another trainer holds stops before writing anything to it', async () => {
    const ws = workspace('session')
    const dir = writeRun(ws, 'held', { ...good('held'), status: 'interrupted' })
    const before = readFileSync(join(dir, 'run.json'), 'utf8')
    const held = acquireRunLock(dir, process.pid)
    const events: TrainerProcessEvent[] = []
    await runSession({ workspace: ws, resumeRun: 'held' } as Parameters<typeof runSession>[0], (e) => events.push(e), {
      shouldStop: () => false,
      gate: () => undefined
    } as unknown as Parameters<typeof runSession>[2])
    held.release()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ type: 'failed' })
    expect((events[0] as { message: string }).message).toMatch(/being trained by process/)
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe(before)
  })

  it('deleting a locked run is refused', () => {
    const ws = workspace('delete-locked')
    const dir = writeRun(ws, 'r', good('r'))
    const lock = acquireRunLock(dir)
    expect(() => deleteRun(ws, 'r')).toThrow(/being trained by process/)
    lock.release()
  })
})

describe('deleting a run', () => {
  it('moves it into runs/.trash, removes it there, and clears trash an earlier delete left', () => {
    const ws = workspace('trash')
    writeRun(ws, 'keep', good('keep'))
    writeRun(ws, 'gone', good('gone'))
    mkdirSync(join(ws, 'runs', TRASH_FOLDER, 'interrupted-delete-1234', 'checkpoints'), { recursive: true })
    expect(
      listRuns(ws)
        .runs.map((r) => r.id)
        .sort()
    ).toEqual(['gone', 'keep'])
    deleteRun(ws, 'gone')
    expect(readdirSync(join(ws, 'runs')).sort()).toEqual([TRASH_FOLDER, 'keep'])
    expect(readdirSync(join(ws, 'runs', TRASH_FOLDER))).toEqual([])
    expect(listRuns(ws)).toEqual({ runs: [expect.objectContaining({ id: 'keep' })], problems: [] })
  })
})
