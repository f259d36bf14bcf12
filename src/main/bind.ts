/** Registers every contract channel's service handler on the typed IPC (the compiler checks none is missing). */
import { REQUEST_CHANNELS, type RequestChannel } from '../common/contract'
import type { Handlers } from '../services/index'
import type { Handler, MainIpc } from './ipc-core'

export function bindHandlers(ipc: MainIpc, handlers: Handlers): void {
  for (const channel of REQUEST_CHANNELS) bind(ipc, handlers, channel)
}

function bind<C extends RequestChannel>(ipc: MainIpc, handlers: Handlers, channel: C): void {
  const handler = handlers[channel]
  ipc.handle(channel, ((request) => handler(request)) as Handler<C>)
}
