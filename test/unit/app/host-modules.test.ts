/** Main-process and service modules that need no Electron: menu, window state, notices, dialogs, settings, paths, tasks. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { HostError, type TrainingState } from '../../../src/common/contract'
import { electronDialogs, openDialogOptions } from '../../../src/main/dialogs'
import { aboutText, buildMenuTemplate } from '../../../src/main/menu'
import { runEndedNotice } from '../../../src/main/notify'
import { DEFAULT_BOUNDS, restoreBounds } from '../../../src/main/windowState'
import { expandUserPath, insideRoot, isInside } from '../../../src/services/paths'
import { MAX_RECENT_WORKSPACES, SettingsStore } from '../../../src/services/settings'
import { TaskRegistry } from '../../../src/services/tasks'

const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-hostmods-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('menu', () => {
  type Item = { label?: string; role?: string; click?: () => void; submenu?: Item[]; enabled?: boolean }
  const find = (items: Item[], label: string): Item | undefined => {
    for (const item of items) {
      if (item.label === label) return item
      const inner = item.submenu && find(item.submenu, label)
      if (inner) return inner
    }
    return undefined
  }

  it('sends renderer commands and opens recent workspaces', () => {
    const actions = { command: vi.fn(), openWorkspace: vi.fn(), about: vi.fn() }
    const template = buildMenuTemplate({
      appName: 'D-Softmax Studio',
      isMac: false,
      recentWorkspaces: ['/data/ws1'],
      actions
    }) as Item[]
    find(template, 'New Run…')!.click!()
    find(template, 'Import Dataset…')!.click!()
    find(template, 'Export…')!.click!()
    find(template, '/data/ws1')!.click!()
    find(template, 'About D-Softmax Studio')!.click!()
    expect(actions.command.mock.calls.map((c) => c[0])).toEqual(['new-run', 'import-dataset', 'export'])
    expect(actions.openWorkspace).toHaveBeenCalledWith('/data/ws1')
    expect(actions.about).toHaveBeenCalledOnce()
    expect(template.map((m) => m.label ?? m.role)).toEqual(['File', 'editMenu', 'View', 'help'])
  })

  it('adds the application menu on macOS and says when no workspace is recent', () => {
    const template = buildMenuTemplate({
      appName: 'D-Softmax Studio',
      isMac: true,
      recentWorkspaces: [],
      actions: { command() {}, openWorkspace() {}, about() {} }
    }) as Item[]
    expect(template[0].label).toBe('D-Softmax Studio')
    expect(find(template, 'No recent workspaces')?.enabled).toBe(false)
  })

  it('about text names every version and the backend', () => {
    const text = aboutText(
      { version: '0.1.0', electron: '45.3.4', chrome: '142', node: '22.2', platform: 'linux', tfjs: '4.22.0' },
      { status: 'probed', choice: 'wasm', reason: 'fastest available' }
    )
    expect(text).toContain('Version 0.1.0')
    expect(text).toContain('Electron 45.3.4, Chromium 142, Node 22.2')
    expect(text).toContain('TensorFlow.js 4.22.0')
    expect(text).toContain('Backend: wasm (fastest available)')
  })
})

describe('window state', () => {
  const display = { x: 0, y: 0, width: 1920, height: 1080 }
  it('reopens where it was when that is on a display', () => {
    expect(restoreBounds({ x: 100, y: 50, width: 1000, height: 700, maximized: true }, [display])).toEqual({
      x: 100,
      y: 50,
      width: 1000,
      height: 700,
      maximized: true
    })
  })
  it('drops a position that is off every display, and enforces a minimum size', () => {
    expect(restoreBounds({ x: 3000, y: 50, width: 300, height: 200 }, [display])).toEqual({
      width: 800,
      height: 560,
      maximized: false
    })
    expect(restoreBounds(undefined, [display])).toEqual({ ...DEFAULT_BOUNDS, maximized: false })
  })
})

describe('run-ended notice', () => {
  const base: TrainingState = {
    runId: 'r1',
    runDir: '/w/runs/r1',
    phase: 'finished',
    backend: 'wasm',
    device: '',
    dataset: { name: 'fonts', examples: 1, classes: 1, valPairs: 0 },
    model: { backbone: 'glyph-cnn', parameters: 1, macsPerImage: 1 },
    step: 10,
    totalSteps: 10,
    stepsPerEpoch: 5,
    epoch: 2,
    imagesPerSecond: null,
    etaSeconds: null
  }
  it('says what happened and what can be done', () => {
    expect(runEndedNotice(base).title).toBe('Training finished')
    expect(runEndedNotice({ ...base, phase: 'interrupted', message: 'killed' }).body).toMatch(/killed.*resumed/)
    expect(runEndedNotice({ ...base, phase: 'failed', message: 'NaN loss' })).toEqual({
      title: 'Training failed',
      body: 'r1 (step 10/10): NaN loss'
    })
  })
})

describe('dialogs', () => {
  it('asks for folders or files as the request says', () => {
    expect(openDialogOptions({ kind: 'workspace' }).properties).toEqual(['openDirectory', 'createDirectory'])
    expect(openDialogOptions({ kind: 'dataset' }).properties).toEqual(['openFile', 'openDirectory'])
    expect(openDialogOptions({ kind: 'dataset' }).filters?.[0].extensions).toEqual(['rec', 'bin', 'txt', 'csv'])
  })
  it('maps Electron answers onto the contract', async () => {
    const dialogs = electronDialogs({
      showOpenDialog: async () => ({ canceled: false, filePaths: ['/data/faces'] }),
      showSaveDialog: async () => ({ canceled: true }),
      showMessageBox: async () => ({ response: 1 })
    })
    expect(await dialogs.open({ kind: 'folder' })).toEqual({ supported: true, canceled: false, path: '/data/faces' })
    expect(await dialogs.save({})).toEqual({ supported: true, canceled: true })
  })
})

describe('settings store', () => {
  it('keeps recent workspaces most recent first, without duplicates, at most 10, written atomically', () => {
    const file = join(dir, 'settings', 'settings.json')
    const store = new SettingsStore(file)
    for (let i = 0; i < 12; i++) store.rememberWorkspace(`/ws/${i}`)
    store.rememberWorkspace('/ws/5')
    const reread = new SettingsStore(file)
    const paths = reread.current.recentWorkspaces.map((r) => r.path)
    expect(paths).toHaveLength(MAX_RECENT_WORKSPACES)
    expect(paths.slice(0, 3)).toEqual(['/ws/5', '/ws/11', '/ws/10'])
    expect(new Set(paths).size).toBe(paths.length)
    expect(reread.current.workspace).toBe('/ws/5')
    expect(readdirSync(join(dir, 'settings'))).toEqual(['settings.json'])
  })
  it('moves an unreadable file aside instead of overwriting it', () => {
    const file = join(dir, 'broken.json')
    writeFileSync(file, '{"version": 1, "recentWorkspaces": [')
    const store = new SettingsStore(file)
    expect(store.current.recentWorkspaces).toEqual([])
    const aside = readdirSync(dir).find((f) => f.startsWith('broken.json.broken-'))!
    expect(readFileSync(join(dir, aside), 'utf8')).toContain('recentWorkspaces')
    expect(existsSync(file)).toBe(false)
  })
})

describe('paths', () => {
  it('expands ~ and refuses relative paths', () => {
    expect(expandUserPath('~/data', '/home/u')).toBe('/home/u/data')
    expect(expandUserPath('/a/b/../c')).toBe('/a/c')
    expect(() => expandUserPath('data/x')).toThrow(HostError)
  })
  it('keeps paths inside their root', () => {
    expect(isInside('/w/runs/r1', '/w/runs/r1/exports/m.onnx')).toBe(true)
    expect(isInside('/w/runs/r1', '/w/runs/r1')).toBe(true)
    expect(isInside('/w/runs/r1', '/w/runs/r10/x')).toBe(false)
    expect(isInside('/w/runs/r1', '/w/runs/r1/../r2/x')).toBe(false)
    expect(() => insideRoot('/w/runs/r1', '../../etc/passwd', 'an export')).toThrow(/must stay inside/)
  })
})

describe('tasks', () => {
  it('reports progress and the end, and cancels on request', async () => {
    const events: { phase: string; fraction: number | null }[] = []
    const tasks = new TaskRegistry((event, payload) => {
      if (event === 'task:progress') events.push(payload as { phase: string; fraction: number | null })
    })
    await expect(tasks.run('t1', 'work', async (task) => (task.progress(0.5), 42))).resolves.toBe(42)
    expect(events.map((e) => [e.phase, e.fraction])).toEqual([
      ['running', null],
      ['running', 0.5],
      ['done', 1]
    ])
    const pending = tasks.run(
      't2',
      'slow',
      (task) => new Promise((_, reject) => task.signal.addEventListener('abort', () => reject(new Error('aborted'))))
    )
    await expect(tasks.run('t2', 'again', async () => 1)).rejects.toThrow(/already running/)
    expect(tasks.cancel('t2')).toBe(true)
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' })
    expect(events.at(-1)?.phase).toBe('cancelled')
    expect(tasks.cancel('nope')).toBe(false)
  })
})
