/**
 * The web host's gate: a random token (on every request and socket) and the Host/Origin
 * checks that keep other web pages and DNS-rebinding tricks out of a loopback server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const TOKEN_COOKIE = 'dsoftmax_token'
export const TOKEN_HEADER = 'x-dsoftmax-token'

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === TOKEN_COOKIE) return value.join('=')
  }
  return undefined
}

/** The token a request carries: header, then cookie, then `?token=` (page loads and sockets). */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers[TOKEN_HEADER]
  if (typeof header === 'string') return header
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  return cookieToken(req.headers.cookie) ?? url.searchParams.get('token') ?? undefined
}

export function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const given = requestToken(req, url)
  return given !== undefined && sameSecret(given, token)
}

/** Host names this server answers to: its own address and port, or localhost with the port. */
export function allowedHosts(address: string, port: number): Set<string> {
  const hosts = new Set([`${address}:${port}`, `localhost:${port}`])
  if (address === '127.0.0.1') hosts.add(`[::1]:${port}`)
  return hosts
}

/** A request is from our own page or a non-browser client: Host must be ours, Origin ours if sent. */
export function checkOrigin(req: IncomingMessage, hosts: Set<string>): string | null {
  const host = req.headers.host
  if (!host || !hosts.has(host)) return `unexpected Host header ${JSON.stringify(host ?? '')}`
  const origin = req.headers.origin
  if (origin === undefined) return null
  try {
    const parsed = new URL(origin)
    if (parsed.protocol === 'http:' && hosts.has(parsed.host)) return null
  } catch {
    // fall through
  }
  return `cross-origin request from ${origin} refused`
}
