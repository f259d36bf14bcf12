/**
 * The services against a subverted page and a damaged workspace: the page's reach narrowed to
 * paths the user granted (dialogs, remembered places, or a native prompt the page cannot
 * answer), exports kept out of a run's own files, one unreadable run or evaluation skipped and
 * named instead of breaking its list, locked runs neither resumed nor deleted, and a recipe
 * with batch size 0 checked instead of failing the host.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseResponse, type DialogResult, type EventChannel, type TrainRecipe } from '../../../src/common/contract'
import { acquireRunLock } from '../../../src/core/train/runLock'
import { PRESETS } from '../../../src/core/train/presets'
import type { Dialogs, Services } from '../../../src/services/index'
import { createTestServices } from './testServices'

let dir: string
const emitted: { event: EventChannel; payload: unknown }[] = []
const asked: string[] = []

function services(dialogs?: Dialogs, name = 'ws'): Services {
  return createTestServices({
    settingsFile: join(dir, `${name}-settings.json`),
    defaultWorkspace: join(dir, name),
    emitted,
    ...(dialogs ? { dialogs } : {})
  })
}

/** Native dialogs whose open dialog returns `chosen`, and whose access prompt answers `allow`. */
function nativeDialogs(state: { chosen: string; allow: boolean }): Dialogs {
  return {
    open: async (): Promise<DialogResult> => ({ supported: true, canceled: false, path: state.chosen }),
    save: async (): Promise<DialogResult> => ({ supported: true, canceled: true }),
    confirmAccess: async (path) => {
      asked.push(path)
      return state.allow
    }
  }
}

function writeRun(workspace: string, id: string, status = 'stopped'): string {
  const run = join(workspace, 'runs', id)
  mkdirSync(join(run, 'eval'), { recursive: true })
  writeFileSync(join(run, 'config.json'), JSON.stringify({ ...PRESETS['fonts-quick'], steps: 8, runId: id }))
  writeFileSync(
    join(run, 'run.json'),
    JSON.stringify({ id, name: id, tags: [], status, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' })
  )
  return run
}

const report = (runId: string, set: string): object => ({
  runId,
  set,
  checkpoint: 'best',
  computedAt: '2026-01-01T00:00:00Z',
  pairs: { total: 2, genuine: 1, impostor: 1 },
  auc: 1,
  eer: 0,
  eerThreshold: 0.5,
  tarAtFar: [],
  tenFold: { accuracy: 1, std: 0, threshold: 0.5 },
  roc: { far: [1], tar: [1], threshold: [0] },
  histogram: { edges: [0, 1], genuine: [1], impostor: [1] },
  threshold: 0.5,
  worstFalseAccepts: [],
  worstFalseRejects: []
})

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-services-hostile-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the page's reach on a host with native dialogs", () => {
  it('does not inspect, add or open a folder the user never granted, and creates nothing', async () => {
    const state = { chosen: '', allow: false }
    const s = services(nativeDialogs(state), 'grants')
    const outside = join(dir, 'private-photos')
    mkdirSync(outside)
    asked.length = 0
    await expect(s.handlers['datasets:inspect']({ path: outside })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(s.handlers['datasets:add']({ path: outside })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(
      s.handlers['eval:run']({ runId: 'none', pairs: { kind: 'file', path: join(outside, 'pairs.csv') } } as never)
    ).rejects.toMatchObject({ code: expect.stringMatching(/forbidden|not-found/) })
    const created = join(dir, 'made-by-the-page', 'deep')
    await expect(s.handlers['workspace:open']({ path: created, create: true })).rejects.toMatchObject({ code: 'forbidden' })
    expect(existsSync(join(dir, 'made-by-the-page'))).toBe(false)
    expect(asked).toEqual([outside, outside, created])
    await s.shutdown()
  })

  it('allows what the user chose in a dialog, or allowed when asked (asking once)', async () => {
    const state = { chosen: join(dir, 'chosen'), allow: false }
    mkdirSync(join(state.chosen, 'alice'), { recursive: true })
    const s = services(nativeDialogs(state), 'grants2')
    await s.handlers['dialog:open']({ kind: 'workspace' })
    asked.length = 0
    const opened = await s.handlers['workspace:open']({ path: join(state.chosen, 'ws'), create: true })
    expect(opened.path).toBe(join(state.chosen, 'ws'))
    expect(asked).toEqual([])
    state.allow = true
    const typed = join(dir, 'typed')
    await s.handlers['workspace:open']({ path: typed, create: true })
    await s.handlers['workspace:open']({ path: join(typed, 'again'), create: true })
    expect(asked).toEqual([typed])
    await s.shutdown()
  })

  it('on the web host (no native dialogs) the token is the grant: typed paths work', async () => {
    const s = services(undefined, 'web')
    const typed = join(dir, 'web-typed')
    expect((await s.handlers['workspace:open']({ path: typed, create: true })).path).toBe(typed)
    await s.shutdown()
  })
})

describe('a damaged workspace', () => {
  let s: Services
  let workspace: string
  beforeAll(() => {
    s = services(undefined, 'damaged')
    workspace = join(dir, 'damaged')
  })
  afterAll(() => s.shutdown())

  it('runs:list lists the good runs and names the bad run.json', () => {
    writeRun(workspace, 'good')
    const bad = writeRun(workspace, 'bad')
    writeFileSync(join(bad, 'run.json'), '{"id": "bad", "name": "b')
    const odd = writeRun(workspace, 'odd')
    writeFileSync(
      join(odd, 'run.json'),
      JSON.stringify({ id: 'odd', name: 'odd', tags: [], status: 'stopped', createdAt: 5, updatedAt: 5 })
    )
    const list = s.handlers['runs:list'](undefined) as { runs: { id: string }[]; problems: string[] }
    expect(list.runs.map((r) => r.id)).toEqual(['good'])
    expect(list.problems).toHaveLength(2)
    expect(list.problems.join('\n')).toContain(join(bad, 'run.json'))
    expect(list.problems.join('\n')).toContain(join(odd, 'run.json'))
    expect(() => parseResponse('runs:list', list)).not.toThrow()
  })

  it('eval:list returns the readable evaluations and warns about a truncated one', async () => {
    const run = writeRun(workspace, 'evaluated')
    writeFileSync(join(run, 'eval', 'val.json'), JSON.stringify(report('evaluated', 'val')))
    writeFileSync(join(run, 'eval', 'test.json'), JSON.stringify(report('evaluated', 'test')).slice(0, 40))
    emitted.length = 0
    const reports = await s.handlers['eval:list']({ runId: 'evaluated' })
    expect(reports.map((r) => r.set)).toEqual(['val'])
    const notice = emitted.find((e) => e.event === 'notice')?.payload as { level: string; message: string }
    expect(notice.level).toBe('warning')
    expect(notice.message).toContain(join(run, 'eval', 'test.json'))
  })

  it("keeps exports out of a run's own files", async () => {
    const run = writeRun(workspace, 'exported')
    for (const target of [
      join(run, 'config.json'),
      join(run, 'run.json'),
      join(run, 'checkpoints', 'best', 'weights.bin'),
      join(run, 'exports')
    ]) {
      await expect(
        Promise.resolve().then(() => s.handlers['export:onnx']({ runId: 'exported', target })),
        target
      ).rejects.toMatchObject({ code: 'forbidden' })
    }
  })

  it('refuses to resume or delete a run another process trains (its lock)', async () => {
    const run = writeRun(workspace, 'locked', 'interrupted')
    const lock = acquireRunLock(run)
    await expect(Promise.resolve().then(() => s.handlers['training:resumeRun']({ runId: 'locked' }))).rejects.toMatchObject({
      code: 'conflict'
    })
    await expect(Promise.resolve().then(() => s.handlers['runs:delete']({ id: 'locked' }))).rejects.toMatchObject({
      code: 'conflict'
    })
    lock.release()
    expect(existsSync(run)).toBe(true)
  })

  it('checks a recipe with batch size 0 and answers with the problem, in a shape the contract accepts', async () => {
    const recipe = { ...PRESETS['fonts-quick'], batchSize: 0 } satisfies TrainRecipe
    const check = await s.handlers['training:validate']({ recipe })
    expect(check.problems.join('; ')).toMatch(/batch size/)
    expect(() => parseResponse('training:validate', check)).not.toThrow()
    // Starting it is the caller's mistake: 400 (bad-request), before any trainer starts.
    await expect(s.handlers['training:start']({ kind: 'recipe', recipe })).rejects.toMatchObject({ code: 'bad-request' })
  })
})
