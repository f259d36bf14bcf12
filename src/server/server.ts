/**
 * The web host: the built renderer and the contract over HTTP (POST /api/<channel>) and a
 * WebSocket (/events) on loopback, behind a random token and Host/Origin checks.
 *
 *   GET  /?token=T          sets the token cookie (HttpOnly, SameSite=Strict), redirects to /
 *   GET  /<file>            the renderer's files (token cookie required)
 *   POST /api/<channel>     body {"args": [request?]} → 200 {"ok":true,"value":…}
 *                           or 4xx/5xx {"ok":false,"error":{"code","message"}}
 *   WS   /events            {"event","payload"} messages (token cookie or ?token=)
 *
 * Bodies use src/common/wire.ts (NaN and Infinity survive).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { HostError, parsePayload, type EventChannel, type PayloadOf } from '../common/contract'
import { type Envelope, type HostErrorCode, failure } from '../common/envelope'
import { decodeWire, encodeWire } from '../common/wire'
import { buildCsp } from '../services/csp'
import { dispatch, type ChannelHandlers } from '../services/dispatch'
import type { Emit } from '../services/events'
import { checkOrigin, hasToken, newToken, tokenCookieName, type HostPolicy } from './auth'
import { sameSiteLocation, splitTarget } from './target'
import { resolveStatic, sendFile } from './static'

/** Largest request body (recipes and paths are small; 1 MiB is generous). */
export const MAX_BODY_BYTES = 1 << 20
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

export interface WebHostOptions {
  /** Folder of the built renderer (out/renderer). */
  root: string
  /** Builds the services with the host's event sink. */
  services: (emit: Emit) => { handlers: ChannelHandlers; shutdown(): Promise<void> }
  token?: string
  /** Address to listen on; loopback unless `allowRemote`. */
  host?: string
  /** 0 (default): a random free port. */
  port?: number
  allowRemote?: boolean
  /** DNS names (without port) clients may use with allowRemote, beyond IP literals and localhost. */
  publicNames?: string[]
}

export interface WebHost {
  url: string
  /** URL with the token, to open in a browser. */
  loginUrl: string
  token: string
  port: number
  /** Pushes an event to every connected page. */
  emit: Emit
  close(): Promise<void>
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }
/** HTTP status per error code: the envelope carries the code, the status tells proxies and tools. */
const STATUS: Record<HostErrorCode, number> = {
  'unknown-channel': 404,
  'malformed-request': 400,
  'malformed-response': 500,
  failed: 500,
  'bad-request': 400,
  'not-found': 404,
  conflict: 409,
  forbidden: 403,
  cancelled: 409,
  'no-space': 507,
  unauthorized: 401,
  unreachable: 502
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = encodeWire(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text))
  })
  res.end(text)
}

function sendEnvelope(res: ServerResponse, envelope: Envelope): void {
  sendJson(res, envelope.ok ? 200 : STATUS[envelope.error.code], envelope)
}

/** A refusal before any channel is involved (method, token, origin); `status` when it differs from the code's. */
function sendError(res: ServerResponse, code: HostErrorCode, message: string, status = STATUS[code]): void {
  sendJson(res, status, failure(code, message))
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new HostError('malformed-request', `request body over ${MAX_BODY_BYTES} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function logUnexpected(channel: string, error: unknown): void {
  console.error(`[web host] ${channel} failed:`, error)
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const address = options.host ?? '127.0.0.1'
  if (!LOOPBACK.has(address) && !options.allowRemote) {
    throw new Error(
      `refusing to listen on ${address}: the web host serves your files and trainings; pass --allow-remote to listen beyond loopback`
    )
  }
  const token = options.token ?? newToken()
  const sockets = new Set<WebSocket>()
  const emit: Emit = <E extends EventChannel>(event: E, payload: PayloadOf<E>): void => {
    const message = encodeWire({ event, payload: parsePayload(event, payload) })
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(message)
  }
  const services = options.services(emit)
  const policy: HostPolicy = {
    remote: options.allowRemote === true,
    names: new Set((options.publicNames ?? []).map((n) => n.toLowerCase()))
  }
  // Both are set once the port is known, before the first request can arrive.
  let cookieName = ''
  let securityHeaders: (hostHeader: string) => Record<string, string> = () => ({})

  async function handleApi(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 'malformed-request', 'use POST', 405)
    const type = req.headers['content-type'] ?? ''
    if (!type.startsWith('application/json')) return sendError(res, 'malformed-request', 'send application/json', 415)
    let body: unknown
    try {
      body = decodeWire(await readBody(req))
    } catch (error) {
      if (error instanceof HostError) return sendError(res, error.code, error.message)
      return sendError(res, 'malformed-request', `body is not JSON: ${(error as Error).message}`)
    }
    const args = typeof body === 'object' && body !== null ? (body as { args?: unknown }).args : undefined
    if (!Array.isArray(args)) return sendError(res, 'malformed-request', 'body must be {"args": [...]}')
    sendEnvelope(res, await dispatch(services.handlers, channel, args, logUnexpected))
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const target = splitTarget(req.url ?? '')
    if (!target) return sendError(res, 'malformed-request', 'malformed request target')
    const originProblem = checkOrigin(req, policy)
    if (originProblem) return sendError(res, 'forbidden', originProblem)
    if (!hasToken(req, target.query, token, cookieName))
      return sendError(res, 'unauthorized', 'this server needs its token: open the URL it printed (…/?token=…)')
    if (target.path.startsWith('/api/')) {
      handleApi(req, res, target.path.slice('/api/'.length)).catch((error: unknown) => {
        console.error('[web host] request failed:', error)
        res.destroy()
      })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'malformed-request', 'only GET here', 405)
    const headers = securityHeaders(req.headers.host!)
    if (target.path === '/favicon.ico') {
      res.writeHead(204, headers)
      res.end()
      return
    }
    if (target.query.has('token')) {
      // Trade the token in the URL for a cookie, and drop it from the address bar.
      res.writeHead(303, {
        Location: sameSiteLocation(target.path),
        'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        ...headers
      })
      res.end()
      return
    }
    const file = resolveStatic(options.root, target.path)
    if (!file) return sendError(res, 'not-found', `${target.path}: not found`)
    sendFile(res, file, headers)
  }

  const server: Server = createServer((req, res) => {
    // One request's failure (a file vanishing under the static server, a bug) answers 500 and
    // never takes the process down.
    try {
      handleRequest(req, res)
    } catch (error) {
      console.error('[web host] request failed:', error)
      if (!res.headersSent) sendError(res, 'failed', 'the web host could not answer this request')
      else res.destroy()
    }
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, why: string): void => {
      socket.end(
        `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`
      )
    }
    const target = splitTarget(req.url ?? '')
    if (!target) return refuse(400, 'malformed request target')
    if (target.path !== '/events') return refuse(404, 'no such socket')
    const originProblem = checkOrigin(req, policy)
    if (originProblem) return refuse(403, originProblem)
    if (!hasToken(req, target.query, token, cookieName)) return refuse(401, 'token required')
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      // The socket only pushes; anything a page sends is ignored.
      ws.on('message', () => {})
    })
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    try {
      handleUpgrade(req, socket, head)
    } catch (error) {
      console.error('[web host] socket upgrade failed:', error)
      socket.destroy()
    }
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, address, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  cookieName = tokenCookieName(port)
  const shown = address.includes(':') ? `[${address}]` : address
  const origin = `http://${shown}:${port}`
  const csp = buildCsp({ mode: 'production' })
  // connect-src names the socket at the address the browser used (a tunnel's port, a LAN
  // address); the Host was checked against the policy before this runs.
  securityHeaders = (hostHeader: string): Record<string, string> => ({
    'Content-Security-Policy': csp.replace("connect-src 'self'", `connect-src 'self' ws://${hostHeader.toLowerCase()}`),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin'
  })

  return {
    url: origin + '/',
    loginUrl: `${origin}/?token=${token}`,
    token,
    port,
    emit,
    async close() {
      for (const socket of sockets) socket.terminate()
      wss.close()
      await services.shutdown()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    }
  }
}
