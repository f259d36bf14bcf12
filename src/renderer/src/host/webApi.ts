/**
 * The renderer's ContractApi over the web host (src/server): requests as POST /api/<channel>,
 * events over one WebSocket (/events) that reconnects when it drops. The token travels in the
 * HttpOnly cookie the host set when the page was opened with ?token=, so this code never sees it.
 */
import {
  type ContractApi,
  type EventChannel,
  type PayloadOf,
  type RequestChannel,
  type Unsubscribe,
  HostError,
  checkSubscription,
  createInvokers,
  isEventChannel,
  isPayload,
  openEnvelope,
  parseResponse
} from '../../../common/contract'
import { decodeWire, encodeWire } from '../../../common/wire'
import { isBridgeApi, openBridge } from './bridge'

export interface WebApiOptions {
  /** Origin of the web host; default the page's own. */
  baseUrl?: string
  fetch?: typeof fetch
  WebSocket?: typeof WebSocket
  /** Milliseconds before a dropped socket reconnects (default 1000). */
  reconnectMs?: number
}

export function createWebApi(options: WebApiOptions = {}): ContractApi {
  const base = options.baseUrl ?? window.location.origin
  const doFetch = options.fetch ?? fetch.bind(globalThis)
  const Socket = options.WebSocket ?? WebSocket
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let socket: WebSocket | null = null
  let retry: ReturnType<typeof setTimeout> | null = null

  /** The HTTP status only says what the envelope says; the envelope's code is what counts. */
  async function call(channel: RequestChannel, args: unknown[]): Promise<unknown> {
    let response: Response
    try {
      response = await doFetch(`${base}/api/${channel}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: encodeWire({ args })
      })
    } catch (error) {
      throw new HostError('unreachable', `could not reach the host: ${error instanceof Error ? error.message : String(error)}`)
    }
    let envelope: unknown
    try {
      envelope = decodeWire(await response.text())
    } catch {
      throw new HostError('unreachable', `the host answered ${response.status} with something that is not JSON`)
    }
    return parseResponse(channel, openEnvelope(channel, envelope))
  }

  const invoke = createInvokers(call)

  function connect(): void {
    if (socket || retry) return
    const url = new URL('/events', base)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new Socket(url.href)
    socket = ws
    ws.onmessage = (message: MessageEvent) => {
      let parsed: { event?: unknown; payload?: unknown }
      try {
        parsed = decodeWire(String(message.data)) as typeof parsed
      } catch {
        return
      }
      const event = parsed.event
      if (!isEventChannel(event) || !isPayload(event, parsed.payload)) return
      for (const listener of listeners.get(event) ?? []) listener(parsed.payload)
    }
    ws.onclose = () => {
      socket = null
      if ([...listeners.values()].some((set) => set.size > 0)) {
        retry = setTimeout(() => {
          retry = null
          connect()
        }, options.reconnectMs ?? 1000)
      }
    }
  }

  function on<E extends EventChannel>(event: E, listener: (payload: PayloadOf<E>) => void): Unsubscribe {
    checkSubscription(event, listener)
    const set = listeners.get(event) ?? new Set()
    const wrapped = (payload: unknown): void => listener(payload as PayloadOf<E>)
    set.add(wrapped)
    listeners.set(event, set)
    connect()
    let active = true
    return () => {
      if (!active) return
      active = false
      set.delete(wrapped)
    }
  }

  return Object.freeze({ invoke, on })
}

/**
 * The host seam: the preload's `window.api` in Electron (its envelopes opened), else the web
 * client when the page came from the web host (http/https), else null (a plain file, tests
 * without a fake).
 */
export function chooseApi(candidate: unknown, location: Pick<Location, 'protocol'> = window.location): ContractApi | null {
  if (isBridgeApi(candidate)) return openBridge(candidate)
  if (location.protocol === 'http:' || location.protocol === 'https:') return createWebApi()
  return null
}
