/** Registers every contract channel's service handler on the typed IPC (the compiler checks none is missing). */
import { REQUEST_CHANNELS, type RequestChannel } from '../common/contract'
import type { ChannelHandlers } from '../services/dispatch'
import type { MainIpc } from './ipc-core'

export function bindHandlers(ipc: MainIpc, handlers: ChannelHandlers): void {
  for (const channel of REQUEST_CHANNELS) bind(ipc, handlers, channel)
}

function bind<C extends RequestChannel>(ipc: MainIpc, handlers: ChannelHandlers, channel: C): void {
  ipc.handle(channel, handlers[channel])
}
