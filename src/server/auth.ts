/**
 * The web host's gate: a random token (on every request and socket) and the Host/Origin
 * checks that keep other web pages and DNS-rebinding tricks out of a loopback server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

/**
 * The token cookie's name carries the server's port: browsers keep cookies per host, not per
 * port, so two hosts on one machine would otherwise overwrite each other's token.
 */
export function tokenCookieName(port: number): string {
  return `dsoftmax_token_${port}`
}
export const TOKEN_HEADER = 'x-dsoftmax-token'

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieToken(header: string | undefined, cookieName: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === cookieName) return value.join('=')
  }
  return undefined
}

/** The token a request carries: header, then cookie, then `?token=` (page loads and sockets). */
export function requestToken(req: IncomingMessage, query: URLSearchParams, cookieName: string): string | undefined {
  const header = req.headers[TOKEN_HEADER]
  if (typeof header === 'string') return header
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  return cookieToken(req.headers.cookie, cookieName) ?? query.get('token') ?? undefined
}

export function hasToken(req: IncomingMessage, query: URLSearchParams, token: string, cookieName: string): boolean {
  const given = requestToken(req, query, cookieName)
  return given !== undefined && sameSecret(given, token)
}

/**
 * Which `Host` headers the server answers to. The check stops DNS rebinding: a page on a name
 * the attacker controls, re-pointed at this machine, sends that name as Host. An IP literal or
 * `localhost` cannot be re-pointed by anyone's DNS, so those are safe with any port, and the port
 * may differ from the one we listen on: `ssh -L 9000:127.0.0.1:<port>` makes the browser send
 * `localhost:9000`. Loopback servers take loopback names only; with `--allow-remote` any IP
 * literal is taken (LAN clients type the server's address), plus the names given explicitly.
 */
export interface HostPolicy {
  remote: boolean
  /** Extra DNS names (lower case, no port) the user vouched for with --public-name. */
  names: ReadonlySet<string>
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]'])

/** `name:port` split, or null when the header is not of that shape (a port is required). */
function splitHost(header: string): { name: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(header)
  if (!match) return null
  const port = Number(match[2])
  return port >= 1 && port <= 65535 ? { name: match[1].toLowerCase(), port } : null
}

export function hostAllowed(header: string | undefined, policy: HostPolicy): boolean {
  const parts = header ? splitHost(header) : null
  if (!parts) return false
  if (LOOPBACK_NAMES.has(parts.name)) return true
  if (!policy.remote) return false
  const bare = parts.name.startsWith('[') ? parts.name.slice(1, -1) : parts.name
  return isIP(bare) !== 0 || policy.names.has(parts.name)
}

/**
 * A request is from our own page or a non-browser client: the Host must pass the policy, and
 * an Origin, when sent, must be exactly `http://<that Host>` (same origin as the request).
 */
export function checkOrigin(req: IncomingMessage, policy: HostPolicy): string | null {
  const host = req.headers.host
  if (!hostAllowed(host, policy)) return `unexpected Host header ${JSON.stringify(host ?? '')}`
  const origin = req.headers.origin
  if (origin === undefined) return null
  try {
    const parsed = new URL(origin)
    if (parsed.protocol === 'http:' && origin === `http://${parsed.host}` && parsed.host === host!.toLowerCase()) return null
  } catch {
    // fall through
  }
  return `cross-origin request from ${origin} refused`
}
