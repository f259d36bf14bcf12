/** Helpers for tests that talk to a running web host: calls with the token, an event socket. */
import WebSocket from 'ws'
import { decodeWire, encodeWire } from '../../src/common/wire'
import type { WebHost } from '../../src/server/server'

export async function call(
  host: WebHost,
  channel: string,
  ...args: unknown[]
): Promise<{ status: number; body: { ok: boolean; value?: unknown; error?: { code: string; message: string } } }> {
  const response = await fetch(`${host.url}api/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-DSoftmax-Token': host.token },
    body: encodeWire({ args })
  })
  return { status: response.status, body: decodeWire(await response.text()) as { ok: boolean; value?: unknown } }
}

export async function value<T>(host: WebHost, channel: string, ...args: unknown[]): Promise<T> {
  const { status, body } = await call(host, channel, ...args)
  if (status !== 200 || !body.ok) throw new Error(`${channel} → ${status}: ${body.error?.message}`)
  return body.value as T
}

export interface EventLog {
  events: { event: string; payload: unknown }[]
  /** Resolves with the first event (already seen or to come) that matches. */
  waitFor(
    match: (e: { event: string; payload: unknown }) => boolean,
    timeoutMs?: number
  ): Promise<{ event: string; payload: unknown }>
  close(): void
}

export function openEvents(host: WebHost): Promise<EventLog> {
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events`, { headers: { 'X-DSoftmax-Token': host.token } })
  const events: EventLog['events'] = []
  const waiters: {
    match: (e: { event: string; payload: unknown }) => boolean
    resolve: (e: { event: string; payload: unknown }) => void
  }[] = []
  socket.on('message', (data) => {
    const e = decodeWire(String(data)) as { event: string; payload: unknown }
    events.push(e)
    for (const w of [...waiters]) {
      if (w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(e)
      }
    }
  })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.once('open', () =>
      resolve({
        events,
        waitFor(match, timeoutMs = 120_000) {
          const seen = events.find(match)
          if (seen) return Promise.resolve(seen)
          return new Promise((res, rej) => {
            const timer = setTimeout(
              () => rej(new Error(`no matching event within ${timeoutMs} ms; saw ${events.map((x) => x.event).join(', ')}`)),
              timeoutMs
            )
            waiters.push({ match, resolve: (e) => (clearTimeout(timer), res(e)) })
          })
        },
        close: () => socket.close()
      })
    )
  })
}
