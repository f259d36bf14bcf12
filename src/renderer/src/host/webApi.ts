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
  checkSubscription,
  createInvokers,
  isEventChannel,
  isPayload,
  parseResponse
} from '../../../common/contract'
import { decodeWire, encodeWire } from '../../../common/wire'

/** A request the host refused or failed: `code` (bad-request, not-found, conflict, forbidden, cancelled, failed, unauthorized) and `status`. */
export class HostRequestError extends Error {
  constructor(
    readonly channel: string,
    readonly code: string,
    readonly status: number,
    message: string
  ) {
    super(message)
    this.name = 'HostRequestError'
  }
}

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

  async function call(channel: RequestChannel, args: unknown[]): Promise<unknown> {
    const response = await doFetch(`${base}/api/${channel}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: encodeWire({ args })
    })
    let body: { ok?: boolean; value?: unknown; error?: { code?: string; message?: string } }
    try {
      body = decodeWire(await response.text()) as typeof body
    } catch {
      throw new HostRequestError(channel, 'failed', response.status, `the host answered ${response.status} with something that is not JSON`)
    }
    if (!response.ok || body.ok !== true) {
      const message = body.error?.message ?? `the host answered ${response.status}`
      throw new HostRequestError(channel, body.error?.code ?? 'failed', response.status, message)
    }
    return parseResponse(channel, body.value)
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
 * The host seam: the preload's `window.api` in Electron, else the web client when the page
 * came from the web host (http/https), else null (a plain file, tests without a fake).
 */
export function chooseApi(candidate: unknown, location: Pick<Location, 'protocol'> = window.location): ContractApi | null {
  if (isContractApi(candidate)) return candidate
  if (location.protocol === 'http:' || location.protocol === 'https:') return createWebApi()
  return null
}

function isContractApi(value: unknown): value is ContractApi {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as { invoke?: unknown; on?: unknown }
  return typeof candidate.on === 'function' && typeof candidate.invoke === 'object' && candidate.invoke !== null
}

/** The web client when the page was served over http(s) by the web host; null otherwise (file://, tests). */
export function webApiFromLocation(location: Pick<Location, 'protocol'> = window.location): ContractApi | null {
  return location.protocol === 'http:' || location.protocol === 'https:' ? createWebApi() : null
}
