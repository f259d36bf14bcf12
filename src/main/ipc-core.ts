/**
 * Typed IPC plumbing for the main process, independent of Electron's runtime so it can be
 * tested with fakes. src/main/ipc.ts binds it to Electron's real `ipcMain`.
 */
import {
  ContractError,
  type EventChannel,
  type PayloadOf,
  REQUEST_CHANNELS,
  type RequestChannel,
  isRequestChannel,
  parsePayload
} from '../common/contract'
import { type ChannelHandler, type ChannelHandlers, dispatch } from '../services/dispatch'

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

export interface MainIpc {
  /** Sets the one handler for `channel`; request and sender are checked before `fn` runs. */
  handle<C extends RequestChannel>(channel: C, fn: ChannelHandler<C>): void
  /** Removes every channel this object registered with ipcMain. */
  dispose(): void
}

export class UntrustedSenderError extends Error {
  constructor(channel: string, url: string | undefined) {
    super(`ipc: refused "${channel}" from an untrusted sender (${url ?? 'no frame'})`)
    this.name = 'UntrustedSenderError'
  }
}

/**
 * Listens on every contract channel at once, so a call that races startup is answered
 * ('unknown-channel': not served yet) like any other. A stranger's call is refused by throwing:
 * it gets no envelope at all. Our renderer's calls go through dispatch.
 *
 * @param ipc Electron's ipcMain (or a fake).
 * @param isTrustedSender Decides from the sender frame's URL whether it is our renderer.
 */
export function createMainIpc(ipc: IpcMainLike, isTrustedSender: (url: string) => boolean): MainIpc {
  const served: Partial<ChannelHandlers> = {}
  for (const channel of REQUEST_CHANNELS) {
    // async: a refusal is a rejected promise, as Electron hands it to the caller, never a synchronous throw.
    ipc.handle(channel, async (event, ...args) => {
      const url = event.senderFrame?.url
      if (url === undefined || !isTrustedSender(url)) throw new UntrustedSenderError(channel, url)
      return dispatch(served, channel, args, reportUnexpected)
    })
  }
  return {
    handle<C extends RequestChannel>(channel: C, fn: ChannelHandler<C>): void {
      if (!isRequestChannel(channel)) throw new ContractError(channel, 'not a request channel', 'unknown-channel')
      if (Object.hasOwn(served, channel)) throw new Error(`ipc: "${channel}" already has a handler`)
      Object.assign(served, { [channel]: fn })
    },
    dispose(): void {
      for (const channel of REQUEST_CHANNELS) {
        ipc.removeHandler(channel)
        delete served[channel]
      }
    }
  }
}

/** A handler's bug or a bad answer: the renderer gets the envelope, the developer the stack. */
function reportUnexpected(channel: RequestChannel, error: unknown): void {
  console.error(`[ipc] ${channel} failed:`, error)
}

/** Sends a validated push event to one renderer. */
export function sendEvent<E extends EventChannel>(target: EventSinkLike, event: E, payload: PayloadOf<E>): void {
  target.send(event, parsePayload(event, payload))
}
