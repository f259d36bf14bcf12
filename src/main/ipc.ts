/**
 * The only main-process module that touches `ipcMain` (enforced by the lint rule in
 * eslint.config.js): everything else registers handlers through the typed helpers here.
 */
import { ipcMain } from 'electron'
import { type MainIpc, createMainIpc, sendEvent } from './ipc-core'

export type { MainIpc } from './ipc-core'
export { sendEvent }

/** Typed `handle(channel, fn)` bound to Electron's ipcMain, accepting only our renderer. */
export function createIpc(isTrustedSender: (url: string) => boolean): MainIpc {
  return createMainIpc(ipcMain, isTrustedSender)
}
