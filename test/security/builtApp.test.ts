/**
 * The built app (out/) under plain Node with Electron's API replaced:
 *  - main: out/main/index.js and its chunks load with a recording stand-in for `electron`
 *    (harness/ hooks module resolution); the window's options, the navigation / new-window /
 *    permission handlers, the CSP header and every registered IPC channel are then driven;
 *  - preload: out/preload/index.cjs runs in a fresh V8 context whose `require` knows only
 *    `electron`, as in Electron's sandbox, and may expose `window.api` and nothing else;
 *  - trainer: the utility-process entry starts, refuses malformed commands and exits when
 *    its host goes away.
 * Unit checks of the pure pieces (webPreferences, CSP text, sender URLs) are in
 * test/unit/app/security.test.ts; this file checks that the built app actually uses them.
 */
import { execFile, fork } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import vm from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REQUEST_CHANNELS, isRequestChannel } from '../../src/common/contract'
import { buildCsp } from '../../src/services/csp'
import { MAIN_ENTRY, OUT, PRELOAD_ENTRY, RENDERER_INDEX, ROOT, ensureBuilt, trainerChunk } from './builtOut'

const run = promisify(execFile)
const HARNESS = join(import.meta.dirname, 'harness')

interface Outcome {
  ok: boolean
  error?: string
}
interface MainReport {
  loaded: boolean
  errors: string[]
  windows: { options: { webPreferences?: Record<string, unknown> }; loaded: string[] }[]
  contents: Record<string, { listeners: number; prevented: boolean }> & { windowOpen: { action: string }[] }
  headers: Record<string, string[]> | null
  permissions: Record<string, boolean>
  permissionCheck: boolean | null
  ipc: Record<string, { untrusted: Outcome; noFrame: Outcome; junk: Outcome }>
  forksAtStartup: number
  polluted: boolean
}

const home = mkdtempSync(join(tmpdir(), 'dsoftmax-builtmain-'))
let report: MainReport

beforeAll(async () => {
  ensureBuilt()
  const { stdout } = await run(
    process.execPath,
    ['--import', join(HARNESS, 'register.mjs'), join(HARNESS, 'main-harness.mjs'), MAIN_ENTRY, RENDERER_INDEX],
    // A throwaway home: whatever the main process creates at startup lands there.
    {
      cwd: ROOT,
      env: { ...process.env, HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: home, ELECTRON_STUB_HOME: home },
      timeout: 60_000
    }
  )
  const line = stdout.split('\n').find((l) => l.startsWith('REPORT:'))
  if (!line) throw new Error(`the main harness printed no report:\n${stdout}`)
  report = JSON.parse(line.slice('REPORT:'.length)) as MainReport
}, 360_000)

afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('out/main under plain Node with Electron replaced', () => {
  it('loads every module of the main bundle without error', () => {
    expect(report.errors).toEqual([])
    expect(report.loaded).toBe(true)
  })

  it('opens one window: isolated, sandboxed, no Node, web security on, our preload and our index.html', () => {
    expect(report.windows).toHaveLength(1)
    const [window] = report.windows
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false
    })
    expect(window.options.webPreferences?.preload).toBe(PRELOAD_ENTRY)
    expect(existsSync(String(window.options.webPreferences?.preload))).toBe(true)
    expect(window.loaded).toEqual([RENDERER_INDEX])
  })

  it('blocks navigation, redirects, <webview> and window.open in every web contents', () => {
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      expect(report.contents[name], name).toEqual({ listeners: 1, prevented: true })
    }
    expect(report.contents.windowOpen).toEqual([{ action: 'deny' }])
  })

  it('replaces any Content-Security-Policy a response carries with ours, keeping other headers', () => {
    expect(report.headers).not.toBeNull()
    const csp = Object.entries(report.headers ?? {}).filter(([name]) => name.toLowerCase() === 'content-security-policy')
    expect(csp).toEqual([['Content-Security-Policy', [buildCsp({ mode: 'production', delivery: 'header' })]]])
    expect(report.headers?.['X-Kept']).toEqual(['1'])
  })

  it('refuses every permission request and check (camera, location, notifications, …)', () => {
    expect(Object.keys(report.permissions).length).toBeGreaterThan(0)
    expect(Object.values(report.permissions).every((granted) => granted === false)).toBe(true)
    expect(report.permissionCheck).toBe(false)
  })

  it('registers only contract channels, each refusing foreign frames and malformed input', () => {
    const channels = Object.keys(report.ipc)
    expect(channels.length).toBeGreaterThan(0)
    for (const channel of channels) {
      expect(isRequestChannel(channel), channel).toBe(true)
      const { untrusted, noFrame, junk } = report.ipc[channel]
      expect(untrusted.ok, channel).toBe(false)
      expect(untrusted.error, channel).toMatch(/^UntrustedSenderError/)
      expect(noFrame.error, channel).toMatch(/^UntrustedSenderError/)
      expect(junk.ok, channel).toBe(false)
      expect(junk.error, channel).toMatch(/^ContractError/)
    }
    expect(report.polluted).toBe(false)
  })

  it('starts no trainer process until one is asked for', () => {
    expect(report.forksAtStartup).toBe(0)
  })
})

describe('out/preload in a sandbox-like context', () => {
  interface Exposed {
    keys: string[]
    required: string[]
    api: { invoke: Record<string, (...args: unknown[]) => Promise<unknown>>; on: (event: string, fn: () => void) => unknown }
    invoked: [string, unknown[]][]
    subscribed: string[]
  }

  function loadPreload(): Exposed {
    const exposed = new Map<string, unknown>()
    const required: string[] = []
    const invoked: [string, unknown[]][] = []
    const subscribed: string[] = []
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
      ipcRenderer: {
        invoke: (channel: string, ...args: unknown[]) => {
          invoked.push([channel, args])
          return Promise.resolve(null)
        },
        on: (channel: string) => subscribed.push(channel),
        removeListener: () => undefined
      }
    }
    // Electron's sandboxed preloads get a `require` for a handful of modules only; ours may need just electron.
    const sandboxRequire = (id: string): unknown => {
      required.push(id)
      if (id === 'electron') return electron
      throw new Error(`a sandboxed preload cannot require "${id}"`)
    }
    const module = { exports: {} }
    const wrapper = vm.runInNewContext(
      `(function (exports, require, module, __filename, __dirname) {${readFileSync(PRELOAD_ENTRY, 'utf8')}\n})`,
      {},
      { filename: PRELOAD_ENTRY }
    ) as (...args: unknown[]) => void
    wrapper(module.exports, sandboxRequire, module, PRELOAD_ENTRY, join(PRELOAD_ENTRY, '..'))
    return { keys: [...exposed.keys()], required, api: exposed.get('api') as Exposed['api'], invoked, subscribed }
  }

  let preload: Exposed
  beforeAll(() => {
    ensureBuilt()
    preload = loadPreload()
  })

  it('requires nothing but electron (a sandboxed preload cannot)', () => {
    expect([...new Set(preload.required)]).toEqual(['electron'])
  })

  it('exposes window.api and nothing else; the api is frozen and holds only invoke and on', () => {
    expect(preload.keys).toEqual(['api'])
    expect(Object.isFrozen(preload.api)).toBe(true)
    expect(Object.keys(preload.api).sort()).toEqual(['invoke', 'on'])
    expect(Object.isFrozen(preload.api.invoke)).toBe(true)
    expect(Object.keys(preload.api.invoke).sort()).toEqual([...REQUEST_CHANNELS].sort())
    expect(() => {
      ;(preload.api.invoke as Record<string, unknown>)['shell:openExternal'] = () => undefined
    }).toThrow(TypeError)
  })

  it('forwards an invoker to its own channel only, and refuses to subscribe to a non-event channel', async () => {
    await preload.api.invoke['runs:get']({ id: 'r1' })
    expect(preload.invoked).toEqual([['runs:get', [{ id: 'r1' }]]])
    expect(() => preload.api.on('ipc:anything', () => undefined)).toThrow(/not an event channel/)
    expect(() => preload.api.on('__proto__', () => undefined)).toThrow(/not an event channel/)
    expect(preload.subscribed).toEqual([])
  })
})

describe('the trainer process entry (out/main/chunks/trainerProcess-*.js)', () => {
  it('starts under plain Node, ignores malformed commands with a warning, and exits when its host goes away', async () => {
    ensureBuilt()
    const child = fork(trainerChunk(), [], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, HOME: home }
    })
    const messages: { type?: string; message?: string }[] = []
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const waitFor = (type: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${type}" from the trainer process`)), 30_000)
        const check = (): void => {
          if (messages.some((m) => m.type === type)) {
            clearTimeout(timer)
            resolve()
          }
        }
        child.on('message', (m) => {
          messages.push(m as { type?: string })
          check()
        })
        check()
      })
    await waitFor('ready')
    child.send(JSON.parse('{"type":"start","__proto__":{"polluted":true},"workspace":"../../etc"}'))
    child.send({ type: 'format-disk' })
    await waitFor('warning')
    child.disconnect()
    expect(await exited).toBe(0)
    const warnings = messages.filter((m) => m.type === 'warning')
    expect(warnings.length).toBeGreaterThanOrEqual(1)
    expect(warnings[0].message).toMatch(/malformed command/)
  }, 60_000)
})

describe('files the built main process starts at run time', () => {
  it('every worker or process entry named in out/main exists where the code looks for it', () => {
    ensureBuilt()
    const dir = join(OUT, 'main')
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))
    const missing: string[] = []
    let referenced = 0
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8')
      // new URL("./x.js", import.meta.url) and startWorker(…"name") → ./name.js (src/core/data/workerThread.ts)
      const names = [
        ...[...text.matchAll(/new URL\("(\.{1,2}\/[^"]+\.(?:js|cjs|mjs))", import\.meta\.url\)/g)].map((m) => m[1]),
        ...[...text.matchAll(/startWorker\([^)]*?"(\w+)"/g)].map((m) => `./${m[1]}.js`)
      ]
      for (const name of names) {
        referenced++
        const target = join(dir, dirname(file), name)
        if (!existsSync(target)) missing.push(`${file} → ${relative(OUT, target)}`)
      }
    }
    expect(referenced).toBeGreaterThan(0)
    expect(missing, 'entries the built code would fail to start').toEqual([])
  })
})
