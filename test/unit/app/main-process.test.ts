/**
 * The Electron main process under Node: `electron` is replaced at the module boundary by a
 * fake that records what main does (single-instance lock, window options, menu, IPC handlers,
 * quit handling). No Electron binary needed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { REQUEST_CHANNELS, openEnvelope } from '../../../src/common/contract'

interface FakeWindow {
  options: Record<string, unknown>
  loaded: string[]
  handlers: Map<string, () => void>
}

const fake = vi.hoisted(() => {
  const state = {
    lock: true,
    userData: '',
    quitCalls: 0,
    appHandlers: new Map<string, (...args: unknown[]) => void>(),
    windows: [] as FakeWindow[],
    menu: null as unknown,
    ipc: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
    sent: [] as { channel: string; payload: unknown }[],
    headers: null as unknown
  }
  let resolveReady: () => void = () => {}
  const ready = new Promise<void>((r) => (resolveReady = r))
  const webContents = {
    send: (channel: string, payload: unknown) => state.sent.push({ channel, payload }),
    isDestroyed: () => false,
    setWindowOpenHandler: () => {},
    on: () => webContents
  }
  class BrowserWindow {
    static all: BrowserWindow[] = []
    static getAllWindows(): BrowserWindow[] {
      return BrowserWindow.all
    }
    webContents = webContents
    record: FakeWindow
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [], handlers: new Map() }
      state.windows.push(this.record)
      BrowserWindow.all.push(this)
    }
    loadFile(path: string) {
      this.record.loaded.push(path)
      return Promise.resolve()
    }
    loadURL(url: string) {
      this.record.loaded.push(url)
      return Promise.resolve()
    }
    on(event: string, fn: () => void) {
      this.record.handlers.set(event, fn)
      return this
    }
    once(event: string, fn: () => void) {
      return this.on(event, fn)
    }
    show() {}
    focus() {}
    restore() {}
    maximize() {}
    isMinimized() {
      return false
    }
    isMaximized() {
      return false
    }
    isDestroyed() {
      return false
    }
    getNormalBounds() {
      return { x: 10, y: 20, width: 1000, height: 700 }
    }
  }
  const app = {
    isPackaged: true,
    getName: () => 'D-Softmax Studio',
    getVersion: () => '0.1.0',
    getPath: () => state.userData,
    quit: () => void state.quitCalls++,
    requestSingleInstanceLock: () => state.lock,
    whenReady: () => ready,
    on: (event: string, fn: (...args: unknown[]) => void) => {
      state.appHandlers.set(event, fn)
      return app
    }
  }
  const electron = {
    app,
    BrowserWindow,
    Menu: { buildFromTemplate: (t: unknown) => ({ template: t }), setApplicationMenu: (m: unknown) => (state.menu = m) },
    Notification: class {
      static isSupported() {
        return false
      }
      show() {}
    },
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
      showMessageBox: async () => ({ response: 0 })
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => {},
        setPermissionCheckHandler: () => {},
        webRequest: { onHeadersReceived: (fn: unknown) => (state.headers = fn) }
      }
    },
    ipcMain: {
      // Each stored listener plays the renderer's side too: it opens the envelope, as openBridge does.
      handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) =>
        state.ipc.set(channel, async (event: unknown, ...args: unknown[]) => openEnvelope(channel, await fn(event, ...args))),
      removeHandler: (channel: string) => state.ipc.delete(channel)
    },
    utilityProcess: { fork: () => ({ pid: 1, postMessage() {}, on() {}, kill: () => true }) }
  }
  return { state, electron, resolveReady: () => resolveReady() }
})

vi.mock('electron', () => fake.electron)
vi.mock('../../../src/main/services/trainerEntry', () => ({ trainerModulePath: '/fake/trainerProcess.js' }))

let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-main-'))
  fake.state.userData = join(dir, 'userData')
  process.env.DSOFTMAX_WORKSPACE = join(dir, 'workspace')
  await import('../../../src/main/index')
  fake.resolveReady()
  await vi.waitFor(() => expect(fake.state.windows.length).toBe(1))
})

afterAll(() => {
  delete process.env.DSOFTMAX_WORKSPACE
  rmSync(dir, { recursive: true, force: true })
})

describe('Electron main (electron replaced by a fake)', () => {
  it('takes the single-instance lock and focuses on a second instance', () => {
    expect(fake.state.appHandlers.has('second-instance')).toBe(true)
    expect(fake.state.quitCalls).toBe(0)
  })

  it('opens one sandboxed, isolated window on the built renderer', () => {
    const [window] = fake.state.windows
    const prefs = window.options.webPreferences as Record<string, unknown>
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false })
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/)
    expect(window.loaded[0]).toMatch(/renderer[\\/]index\.html$/)
  })

  it('installs File / View / Help menus with new run, open workspace, import dataset, export and about', () => {
    const template = (fake.state.menu as { template: { label?: string; role?: string; submenu?: { label?: string }[] }[] })
      .template
    const file = template.find((m) => m.label === 'File')!
    expect(file.submenu!.map((i) => i.label)).toEqual(
      expect.arrayContaining(['New Run…', 'Open Workspace…', 'Import Dataset…', 'Export…'])
    )
    expect(template.some((m) => m.label === 'View')).toBe(true)
    const help = template.find((m) => m.role === 'help')!
    expect(help.submenu![0].label).toBe('About D-Softmax Studio')
  })

  it('registers a validated, sender-checked handler for every contract channel', async () => {
    expect([...fake.state.ipc.keys()].sort()).toEqual([...REQUEST_CHANNELS].sort())
    const info = fake.state.ipc.get('app:info')!
    const trusted = { senderFrame: { url: `file://${fake.state.windows[0].loaded[0]}` } }
    await expect(info(trusted)).resolves.toMatchObject({ name: 'D-Softmax Studio', host: 'electron', nativeDialogs: true })
    await expect(info({ senderFrame: { url: 'https://evil.example/' } })).rejects.toThrow(/untrusted sender/)
    await expect(fake.state.ipc.get('runs:get')!(trusted, { id: '../etc' })).rejects.toThrow(/run id/)
    await expect(fake.state.ipc.get('workspace:get')!(trusted)).resolves.toMatchObject({ path: join(dir, 'workspace') })
  })

  it('remembers the window bounds and the workspace in userData/settings.json', async () => {
    const { readFileSync } = await import('node:fs')
    fake.state.windows[0].handlers.get('close')!()
    const settings = JSON.parse(readFileSync(join(fake.state.userData, 'settings.json'), 'utf8'))
    expect(settings.window).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: false })
  })

  it('lets trainers checkpoint before quitting', async () => {
    let prevented = false
    fake.state.appHandlers.get('before-quit')!({ preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
    await vi.waitFor(() => expect(fake.state.quitCalls).toBe(1))
  })
})
