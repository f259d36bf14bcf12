/**
 * Typed IPC plumbing for the main process, independent of Electron's runtime so it can be
 * tested with fakes. src/main/ipc.ts binds it to Electron's real `ipcMain`.
 */
import {
  ContractError,
  type EventChannel,
  type PayloadOf,
  type RequestChannel,
  type RequestOf,
  type ResponseOf,
  isRequestChannel,
  parsePayload,
  parseRequest,
  parseResponse
} from '../common/contract'

/** The part of Electron's IpcMainInvokeEvent we rely on. */
export interface InvokeEventLike {
  /** Null when the frame navigated away or was destroyed before we looked. */
  readonly senderFrame: { readonly url: string } | null
}

/** The part of Electron's IpcMain we rely on. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

/** The part of Electron's WebContents we rely on for push events. */
export interface EventSinkLike {
  send(channel: string, ...args: unknown[]): void
}

export type Handler<C extends RequestChannel> = (
  request: RequestOf<C>,
  event: InvokeEventLike
) => ResponseOf<C> | Promise<ResponseOf<C>>

export interface MainIpc {
  /** Registers the one handler for `channel`; request and sender are checked before `fn` runs. */
  handle<C extends RequestChannel>(channel: C, fn: Handler<C>): void
  /** Removes every handler registered through this object. */
  dispose(): void
}

export class UntrustedSenderError extends Error {
  constructor(channel: string, url: string | undefined) {
    super(`ipc: refused "${channel}" from an untrusted sender (${url ?? 'no frame'})`)
    this.name = 'UntrustedSenderError'
  }
}

/**
 * @param ipc Electron's ipcMain (or a fake).
 * @param isTrustedSender Decides from the sender frame's URL whether it is our renderer.
 */
export function createMainIpc(ipc: IpcMainLike, isTrustedSender: (url: string) => boolean): MainIpc {
  const registered = new Set<string>()
  return {
    handle<C extends RequestChannel>(channel: C, fn: Handler<C>): void {
      if (!isRequestChannel(channel)) throw new ContractError(channel, 'not a request channel')
      if (registered.has(channel)) throw new Error(`ipc: "${channel}" already has a handler`)
      registered.add(channel)
      ipc.handle(channel, async (event, ...args) => {
        const url = event.senderFrame?.url
        if (url === undefined || !isTrustedSender(url)) throw new UntrustedSenderError(channel, url)
        const request = parseRequest(channel, args)
        // Our own bug if the response check fails; better a loud error here than a confused renderer.
        return parseResponse(channel, await fn(request, event))
      })
    },
    dispose(): void {
      for (const channel of registered) ipc.removeHandler(channel)
      registered.clear()
    }
  }
}

/** Sends a validated push event to one renderer. */
export function sendEvent<E extends EventChannel>(target: EventSinkLike, event: E, payload: PayloadOf<E>): void {
  target.send(event, parsePayload(event, payload))
}
