import { describe, expect, it, vi } from 'vitest'
import {
  ContractError,
  EVENT_CHANNELS,
  EVENT_SCHEMAS,
  REQUEST_CHANNELS,
  REQUEST_SCHEMAS,
  isEventChannel,
  isRequestChannel,
  openEnvelope,
  parseRequest
} from '../../../src/common/contract'
import { type AppInfo, type BackendReport, isAppInfo, isBackendReport } from '../../../src/common/dto'
import { type IpcMainLike, type InvokeEventLike, createMainIpc, sendEvent } from '../../../src/main/ipc-core'
import { collectAppInfo } from '../../../src/main/services/app-info'
import { notProbedReport } from '../../../src/services/index'
import { createBridgeApi } from '../../../src/preload/api'
import { FAKE_INFO, PROBED_REPORT } from './fixtures'

describe('DTO validators', () => {
  it('accept well-formed values', () => {
    expect(isAppInfo(FAKE_INFO)).toBe(true)
    expect(isAppInfo({ name: 'x', version: '1', node: '20', platform: 'linux' })).toBe(true)
    expect(isBackendReport(PROBED_REPORT)).toBe(true)
    expect(isBackendReport(notProbedReport())).toBe(true)
  })

  const badInfos: [string, unknown][] = [
    ['null', null],
    ['an array', [FAKE_INFO]],
    ['a string', 'D-Softmax Studio'],
    ['missing version', { ...FAKE_INFO, version: undefined }],
    ['empty name', { ...FAKE_INFO, name: '' }],
    ['numeric version', { ...FAKE_INFO, version: 1 }],
    ['non-string electron', { ...FAKE_INFO, electron: 45 }],
    ['an extra field', { ...FAKE_INFO, token: 'secret' }]
  ]
  for (const [label, value] of badInfos) {
    it(`isAppInfo rejects ${label}`, () => expect(isAppInfo(value)).toBe(false))
  }

  const badReports: [string, unknown][] = [
    ['undefined', undefined],
    ['unknown status', { ...PROBED_REPORT, status: 'maybe' }],
    ['unknown backend', { ...PROBED_REPORT, choice: 'tpu' }],
    ['probed without a choice', { ...PROBED_REPORT, choice: null }],
    ['not-probed with a choice', { ...notProbedReport(), choice: 'cpu' }],
    ['empty reason', { ...PROBED_REPORT, reason: '' }],
    ['rejected not an array', { ...PROBED_REPORT, rejected: {} }],
    ['a malformed rejection', { ...PROBED_REPORT, rejected: [{ candidate: 'wasm' }] }],
    ['an extra field', { ...PROBED_REPORT, extra: 1 }]
  ]
  for (const [label, value] of badReports) {
    it(`isBackendReport rejects ${label}`, () => expect(isBackendReport(value)).toBe(false))
  }
})

describe('contract', () => {
  it('has validators for exactly its channels', () => {
    expect(REQUEST_CHANNELS).toContain('app:info')
    expect(REQUEST_CHANNELS).toContain('training:start')
    expect(EVENT_CHANNELS).toContain('backend:report')
    expect(EVENT_CHANNELS).toContain('training:event')
    for (const channel of REQUEST_CHANNELS) {
      expect(typeof REQUEST_SCHEMAS[channel].request.safeParse).toBe('function')
      expect(typeof REQUEST_SCHEMAS[channel].response.safeParse).toBe('function')
    }
    for (const event of EVENT_CHANNELS) expect(typeof EVENT_SCHEMAS[event].safeParse).toBe('function')
    expect(isRequestChannel('app:info')).toBe(true)
    expect(isRequestChannel('toString')).toBe(false)
    expect(isRequestChannel('__proto__')).toBe(false)
    expect(isEventChannel('backend:report')).toBe(true)
    expect(isEventChannel('app:info')).toBe(false)
  })

  it('void channels accept no argument and reject any', () => {
    expect(parseRequest('app:info', [])).toBeUndefined()
    expect(() => parseRequest('app:info', [{}])).toThrow(ContractError)
    expect(() => parseRequest('app:info', [undefined, 1])).toThrow(/expected no argument/)
    expect(() => parseRequest('backend:probe', ['force'])).toThrow(/backend:probe/)
  })
})

/** A fake ipcMain; `invoke` plays the renderer's side too, opening the envelope like openBridge. */
function fakeIpcMain(): IpcMainLike & { invoke(channel: string, url: string | null, ...args: unknown[]): Promise<unknown> } {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>()
  return {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
    async invoke(channel, url, ...args) {
      const handler = handlers.get(channel)
      if (!handler) throw new Error(`No handler registered for '${channel}'`)
      return openEnvelope(channel, await handler({ senderFrame: url === null ? null : { url } }, ...args))
    }
  }
}

describe('main-side handle()', () => {
  const TRUSTED = 'file:///app/out/renderer/index.html'
  const setup = () => {
    const ipc = fakeIpcMain()
    const main = createMainIpc(ipc, (url) => url.startsWith(TRUSTED))
    return { ipc, main }
  }

  it('answers our renderer', async () => {
    const { ipc, main } = setup()
    main.handle('app:info', () => FAKE_INFO)
    await expect(ipc.invoke('app:info', `${TRUSTED}#/`)).resolves.toEqual(FAKE_INFO)
  })

  it('refuses other senders, and frames that are gone, before running the handler', async () => {
    const { ipc, main } = setup()
    const fn = vi.fn(() => FAKE_INFO)
    main.handle('app:info', fn)
    await expect(ipc.invoke('app:info', 'https://evil.example/')).rejects.toThrow(/untrusted sender/)
    await expect(ipc.invoke('app:info', null)).rejects.toThrow(/untrusted sender \(no frame\)/)
    expect(fn).not.toHaveBeenCalled()
  })

  it('rejects malformed requests before running the handler', async () => {
    const { ipc, main } = setup()
    const fn = vi.fn(() => notProbedReport())
    main.handle('backend:probe', fn)
    await expect(ipc.invoke('backend:probe', TRUSTED, { force: true })).rejects.toThrow(ContractError)
    expect(fn).not.toHaveBeenCalled()
  })

  it('refuses to send a response that breaks the contract', async () => {
    const { ipc, main } = setup()
    main.handle('app:info', () => ({ name: 'x' }) as unknown as AppInfo)
    await expect(ipc.invoke('app:info', TRUSTED)).rejects.toThrow(/malformed response/)
  })

  it('allows one handler per channel, refuses unknown channels, and disposes', async () => {
    const { ipc, main } = setup()
    main.handle('app:info', () => FAKE_INFO)
    expect(() => main.handle('app:info', () => FAKE_INFO)).toThrow(/already has a handler/)
    expect(() => main.handle('shell:exec' as 'app:info', () => FAKE_INFO)).toThrow(ContractError)
    main.dispose()
    await expect(ipc.invoke('app:info', TRUSTED)).rejects.toThrow(/No handler/)
  })

  it('sendEvent validates the payload', () => {
    const send = vi.fn()
    sendEvent({ send }, 'backend:report', PROBED_REPORT)
    expect(send).toHaveBeenCalledWith('backend:report', PROBED_REPORT)
    expect(() => sendEvent({ send }, 'backend:report', { status: 'probed' } as unknown as BackendReport)).toThrow(
      /malformed payload/
    )
    expect(() => sendEvent({ send }, 'app:info' as 'backend:report', PROBED_REPORT)).toThrow(/not an event channel/)
    expect(send).toHaveBeenCalledTimes(1)
  })
})

describe('services', () => {
  it('app:info reports versions honestly, omitting what the host lacks', () => {
    const app = { getName: () => 'D-Softmax Studio', getVersion: () => '0.1.0' }
    const inElectron = collectAppInfo(app, { node: '22.20.0', electron: '45.3.4', chrome: '142.0' }, 'darwin')
    expect(inElectron).toEqual({
      name: 'D-Softmax Studio',
      version: '0.1.0',
      node: '22.20.0',
      electron: '45.3.4',
      chrome: '142.0',
      platform: 'darwin'
    })
    const plainNode = collectAppInfo(app, { node: '20.20.2' }, 'linux')
    expect(plainNode).not.toHaveProperty('electron')
    expect(plainNode).not.toHaveProperty('chrome')
    expect(isAppInfo(plainNode)).toBe(true)
  })

  it('backend:probe says plainly that nothing was probed', () => {
    const report = notProbedReport()
    expect(report.status).toBe('not-probed')
    expect(report.choice).toBeNull()
    expect(report.reason).toMatch(/not .*probed|no backend has been probed/i)
  })
})

describe('preload API', () => {
  function fakeTransport() {
    const listeners = new Map<string, (payload: unknown) => void>()
    const transport = {
      invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ channel, args })),
      subscribe: vi.fn((channel: string, listener: (payload: unknown) => void) => {
        listeners.set(channel, listener)
        return () => listeners.delete(channel)
      })
    }
    return { transport, listeners }
  }

  it('exposes exactly invoke + on, with one invoker per request channel', () => {
    const api = createBridgeApi(fakeTransport().transport)
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on'])
    expect(Object.keys(api.invoke).sort()).toEqual([...REQUEST_CHANNELS].sort())
    expect(Object.isFrozen(api)).toBe(true)
    expect(Object.isFrozen(api.invoke)).toBe(true)
  })

  it('invokers forward to their own channel', async () => {
    const { transport } = fakeTransport()
    const api = createBridgeApi(transport)
    await api.invoke['backend:probe']()
    expect(transport.invoke).toHaveBeenCalledWith('backend:probe')
  })

  it('on() accepts only contract events, passes valid payloads only, and unsubscribes', () => {
    const { transport, listeners } = fakeTransport()
    const api = createBridgeApi(transport)
    expect(() => api.on('ipc:anything' as 'backend:report', () => {})).toThrow(ContractError)

    const seen: BackendReport[] = []
    const off = api.on('backend:report', (report) => seen.push(report))
    const push = listeners.get('backend:report')
    push?.(PROBED_REPORT)
    push?.({ status: 'probed' })
    expect(seen).toEqual([PROBED_REPORT])

    off()
    off()
    expect(listeners.has('backend:report')).toBe(false)
    push?.(PROBED_REPORT)
    expect(seen).toHaveLength(1)
  })
})

describe('request schemas', () => {
  const refuses = (channel: Parameters<typeof parseRequest>[0], request: unknown, reason: RegExp): void => {
    expect(() => parseRequest(channel, [request])).toThrow(reason)
  }

  it('refuse paths that are relative, hold NUL, or are huge', () => {
    expect(parseRequest('datasets:inspect', [{ path: '/data/faces' }])).toEqual({ path: '/data/faces' })
    expect(parseRequest('datasets:inspect', [{ path: '~/faces' }])).toEqual({ path: '~/faces' })
    refuses('datasets:inspect', { path: 'faces' }, /absolute path/)
    refuses('datasets:inspect', { path: '/data/\0x' }, /NUL/)
    refuses('datasets:inspect', { path: '/' + 'a'.repeat(5000) }, /path/)
  })

  it('refuse run ids that could leave runs/, and unknown keys', () => {
    refuses('runs:get', { id: '..' }, /run id/)
    refuses('runs:get', { id: 'a/b' }, /run id/)
    refuses('runs:rename', { id: 'r1', name: 'x'.repeat(201) }, /name/)
    refuses('runs:get', { id: 'r1', path: '/etc' }, /malformed request/)
    refuses('runs:tag', { id: 'r1', add: Array.from({ length: 65 }, (_, i) => `t${i}`) }, /add/)
  })

  it('know quick start from a full recipe', () => {
    expect(parseRequest('training:start', [{ kind: 'quick' }])).toEqual({ kind: 'quick' })
    refuses('training:start', { kind: 'recipe' }, /recipe/)
    refuses('training:start', { kind: 'recipe', recipe: { loss: 'dsoftmax' } }, /malformed request/)
  })

  it('check trainer events with the trainer protocol', () => {
    expect(EVENT_SCHEMAS['training:event'].safeParse({ runId: 'r1', event: { type: 'paused', step: 3 } }).success).toBe(true)
    expect(EVENT_SCHEMAS['training:event'].safeParse({ runId: 'r1', event: { type: 'paused' } }).success).toBe(false)
    expect(
      EVENT_SCHEMAS['training:event'].safeParse({
        runId: null,
        event: { type: 'exited', code: 1, signal: null, interrupted: true, message: 'killed' }
      }).success
    ).toBe(true)
    expect(EVENT_SCHEMAS['training:event'].safeParse({ runId: null, event: { type: 'shell' } }).success).toBe(false)
  })
})
