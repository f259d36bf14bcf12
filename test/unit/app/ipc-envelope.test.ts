/**
 * The whole IPC path with fakes for Electron only: main's createMainIpc (dispatch) → the
 * preload's bridge (envelopes pass untouched, as contextBridge would copy them) → the renderer's
 * openBridge. A HostError thrown in main reaches the renderer as a HostError with its code.
 */
import { describe, expect, it, vi } from 'vitest'
import { REQUEST_CHANNELS } from '../../../src/common/contract'
import { type InvokeEventLike, type IpcMainLike, createMainIpc } from '../../../src/main/ipc-core'
import { createBridgeApi } from '../../../src/preload/api'
import { openBridge } from '../../../src/renderer/src/host/bridge'
import type { ChannelHandler, ChannelHandlers } from '../../../src/services/dispatch'
import { expectCodesSurvive, failingHandlers } from '../../helpers/hostErrors'

const TRUSTED = 'file:///app/out/renderer/index.html'

function electronPair(handlers: Partial<ChannelHandlers>) {
  const listeners = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>()
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void listeners.set(channel, listener),
    removeHandler: (channel) => void listeners.delete(channel)
  }
  const main = createMainIpc(ipcMain, (url) => url === TRUSTED)
  for (const [channel, handler] of Object.entries(handlers))
    main.handle(channel as 'app:info', handler as ChannelHandler<'app:info'>)
  // What Electron does between ipcRenderer.invoke and the listener: structured clone both ways.
  const invoke = vi.fn(async (channel: string, ...args: unknown[]) => {
    const listener = listeners.get(channel)
    if (!listener) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`)
    return structuredClone(await listener({ senderFrame: { url: TRUSTED } }, ...structuredClone(args)))
  })
  const bridge = createBridgeApi({ invoke, subscribe: () => () => {} })
  return { api: openBridge(bridge), bridge, invoke }
}

describe('errors over IPC', () => {
  it('reach the renderer as HostError with the code main gave them', async () => {
    await expectCodesSurvive(electronPair(failingHandlers()).api)
  })

  it('cross the bridge as plain envelopes (contextBridge would drop an Error’s code)', async () => {
    const { bridge } = electronPair(failingHandlers())
    await expect(bridge.invoke['runs:get']({ id: 'r1' })).resolves.toEqual({
      ok: false,
      error: { code: 'conflict', message: 'run "r1" is busy' }
    })
    await expect(bridge.invoke['runs:list']()).resolves.toEqual({
      ok: false,
      error: { code: 'unknown-channel', message: '"runs:list" is not served here' }
    })
  })

  it('main listens on every contract channel from the start, so a call racing startup gets an envelope', () => {
    const seen: string[] = []
    createMainIpc({ handle: (channel) => void seen.push(channel), removeHandler: () => {} }, () => true)
    expect(seen.sort()).toEqual([...REQUEST_CHANNELS].sort())
  })
})
