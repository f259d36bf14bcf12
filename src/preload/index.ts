/**
 * Preload (sandboxed): exposes the contract's BridgeApi as `window.api` and nothing else.
 * Bundled into one CommonJS file (out/preload/index.cjs) because sandboxed preloads can
 * only `require` Electron's own modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { createBridgeApi } from './api'

const api = createBridgeApi({
  invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
  subscribe(channel, listener) {
    const forward = (_event: IpcRendererEvent, payload: unknown): void => listener(payload)
    ipcRenderer.on(channel, forward)
    return () => {
      ipcRenderer.removeListener(channel, forward)
    }
  }
})

contextBridge.exposeInMainWorld('api', api)
