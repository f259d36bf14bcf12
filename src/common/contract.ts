/**
 * The typed contract between the renderer and its host (Electron main today, the web host
 * later). One place lists every request channel with its request/response types and every
 * push event with its payload type; the main-side `handle` helpers (src/main/ipc.ts), the
 * preload invokers (src/preload) and the renderer's `Api` are all derived from it.
 *
 * Adding a channel: add it to `RequestMap` (or `EventMap`), then to `requestGuards`
 * (or `eventGuards`) — the compiler refuses a channel without validators.
 */
import {
  type AppInfo,
  type BackendReport,
  type Guard,
  isAppInfo,
  isBackendReport
} from './dto'

/** Request channels: renderer → host, answered once. `request: void` means "no argument". */
export interface RequestMap {
  /** Product, versions and platform of the running host. */
  'app:info': { request: void; response: AppInfo }
  /** The compute backend the engine uses, and the candidates it rejected. */
  'backend:probe': { request: void; response: BackendReport }
}

/** Push events: host → renderer, any number of times. */
export interface EventMap {
  /** A new backend report (sent once the trainer process has probed; not emitted yet). */
  'backend:report': BackendReport
}

export type RequestChannel = keyof RequestMap
export type EventChannel = keyof EventMap
export type RequestOf<C extends RequestChannel> = RequestMap[C]['request']
export type ResponseOf<C extends RequestChannel> = RequestMap[C]['response']
export type PayloadOf<E extends EventChannel> = EventMap[E]

/** Argument list of an invoker: none for `void` requests, one otherwise. */
export type RequestArgs<C extends RequestChannel> = [RequestOf<C>] extends [void] ? [] : [request: RequestOf<C>]

/** The validator for "this channel takes no argument". */
export function isNoRequest(value: unknown): value is void {
  return value === undefined
}

export interface RequestGuards<C extends RequestChannel> {
  request: Guard<RequestOf<C>>
  response: Guard<ResponseOf<C>>
}

/** One validator pair per request channel. The host validates requests before handling them. */
export const requestGuards: { readonly [C in RequestChannel]: RequestGuards<C> } = Object.freeze({
  'app:info': { request: isNoRequest, response: isAppInfo },
  'backend:probe': { request: isNoRequest, response: isBackendReport }
})

/** One validator per push event. */
export const eventGuards: { readonly [E in EventChannel]: Guard<PayloadOf<E>> } = Object.freeze({
  'backend:report': isBackendReport
})

export const REQUEST_CHANNELS: readonly RequestChannel[] = Object.freeze(
  Object.keys(requestGuards) as RequestChannel[]
)
export const EVENT_CHANNELS: readonly EventChannel[] = Object.freeze(Object.keys(eventGuards) as EventChannel[])

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(requestGuards, value)
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.hasOwn(eventGuards, value)
}

/**
 * Validates the raw argument list a host received for `channel`. Returns the request
 * (undefined for `void` channels) or throws a `ContractError` naming the channel.
 */
export function parseRequest<C extends RequestChannel>(channel: C, args: readonly unknown[]): RequestOf<C> {
  const guards: RequestGuards<C> = requestGuards[channel]
  const takesNoArgument = guards.request === isNoRequest
  if (args.length > 1 || (takesNoArgument && args.length !== 0)) {
    throw new ContractError(channel, `expected ${takesNoArgument ? 'no argument' : 'one argument'}, got ${args.length}`)
  }
  const request = args[0]
  if (!guards.request(request)) throw new ContractError(channel, 'malformed request')
  return request
}

/** Raised when something does not match the contract (bad channel, request, response or payload). */
export class ContractError extends Error {
  constructor(
    readonly channel: string,
    detail: string
  ) {
    super(`contract violation on "${channel}": ${detail}`)
    this.name = 'ContractError'
  }
}

/** Invokers generated from the contract: `api.invoke['app:info']()`. */
export type Invokers = { readonly [C in RequestChannel]: (...args: RequestArgs<C>) => Promise<ResponseOf<C>> }

export type Unsubscribe = () => void

/**
 * What the renderer may use — and all it may use — to talk to its host. Exposed as
 * `window.api` by the Electron preload; the web host will implement the same interface.
 */
export interface ContractApi {
  readonly invoke: Invokers
  on<E extends EventChannel>(event: E, listener: (payload: PayloadOf<E>) => void): Unsubscribe
}
