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
import { WebSocketServer, type WebSocket } from 'ws'
import { ContractError, HostError, isRequestChannel, parsePayload, parseRequest, parseResponse, type EventChannel, type HostErrorCode, type PayloadOf } from '../common/contract'
import { decodeWire, encodeWire } from '../common/wire'
import { buildCsp } from '../main/security'
import type { Emit } from '../services/events'
import type { Handlers } from '../services/index'
import { allowedHosts, checkOrigin, hasToken, newToken, TOKEN_COOKIE } from './auth'
import { resolveStatic, sendFile } from './static'

/** Largest request body (recipes and paths are small; 1 MiB is generous). */
export const MAX_BODY_BYTES = 1 << 20
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

export interface WebHostOptions {
  /** Folder of the built renderer (out/renderer). */
  root: string
  /** Builds the services with the host's event sink. */
  services: (emit: Emit) => { handlers: Handlers; shutdown(): Promise<void> }
  token?: string
  /** Address to listen on; loopback unless `allowRemote`. */
  host?: string
  /** 0 (default): a random free port. */
  port?: number
  allowRemote?: boolean
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

const STATUS: Record<HostErrorCode, number> = { 'bad-request': 400, 'not-found': 404, conflict: 409, forbidden: 403, cancelled: 409, failed: 500 }

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = encodeWire(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) })
  res.end(text)
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } })
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new HostError('bad-request', `request body over ${MAX_BODY_BYTES} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const address = options.host ?? '127.0.0.1'
  if (!LOOPBACK.has(address) && !options.allowRemote) {
    throw new Error(`refusing to listen on ${address}: the web host serves your files and trainings; pass --allow-remote to listen beyond loopback`)
  }
  const token = options.token ?? newToken()
  const sockets = new Set<WebSocket>()
  const emit: Emit = <E extends EventChannel>(event: E, payload: PayloadOf<E>): void => {
    const message = encodeWire({ event, payload: parsePayload(event, payload) })
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(message)
  }
  const services = options.services(emit)
  let hosts = new Set<string>()
  let securityHeaders: Record<string, string> = {}

  async function handleApi(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 405, 'bad-request', 'use POST')
    if (!isRequestChannel(channel)) return sendError(res, 404, 'not-found', `no channel "${channel}"`)
    const type = req.headers['content-type'] ?? ''
    if (!type.startsWith('application/json')) return sendError(res, 415, 'bad-request', 'send application/json')
    try {
      const body = decodeWire(await readBody(req)) as { args?: unknown }
      if (typeof body !== 'object' || body === null || !Array.isArray(body.args)) throw new ContractError(channel, 'body must be {"args": [...]}')
      const request = parseRequest(channel, body.args)
      const handler = services.handlers[channel] as (request: unknown) => unknown
      const answer = await handler(request)
      let value: unknown
      try {
        value = parseResponse(channel, answer)
      } catch (error) {
        // The host's own bug, not the caller's: say so as a server error.
        console.error(`[web host] ${channel}:`, error)
        return sendError(res, 500, 'failed', (error as Error).message)
      }
      sendJson(res, 200, { ok: true, value })
    } catch (error) {
      if (error instanceof ContractError) return sendError(res, 400, 'bad-request', error.message)
      if (error instanceof HostError) return sendError(res, STATUS[error.code], error.code, error.message)
      if (error instanceof SyntaxError) return sendError(res, 400, 'bad-request', `body is not JSON: ${error.message}`)
      console.error(`[web host] ${channel} failed:`, error)
      sendError(res, 500, 'failed', error instanceof Error ? error.message : String(error))
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const originProblem = checkOrigin(req, hosts)
    if (originProblem) return sendError(res, 403, 'forbidden', originProblem)
    if (!hasToken(req, url, token)) return sendError(res, 401, 'unauthorized', 'this server needs its token: open the URL it printed (…/?token=…)')
    if (url.pathname.startsWith('/api/')) {
      void handleApi(req, res, url.pathname.slice('/api/'.length))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'bad-request', 'only GET here')
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, securityHeaders)
      res.end()
      return
    }
    if (url.searchParams.has('token')) {
      // Trade the token in the URL for a cookie, and drop it from the address bar.
      res.writeHead(303, { Location: url.pathname, 'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`, ...securityHeaders })
      res.end()
      return
    }
    const file = resolveStatic(options.root, url.pathname)
    if (!file) return sendError(res, 404, 'not-found', `${url.pathname}: not found`)
    sendFile(res, file, securityHeaders)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const refuse = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`)
    }
    if (url.pathname !== '/events') return refuse(404, 'no such socket')
    const originProblem = checkOrigin(req, hosts)
    if (originProblem) return refuse(403, originProblem)
    if (!hasToken(req, url, token)) return refuse(401, 'token required')
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      // The socket only pushes; anything a page sends is ignored.
      ws.on('message', () => {})
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, address, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  hosts = allowedHosts(address.includes(':') ? `[${address}]` : address, port)
  const origin = `http://${address.includes(':') ? `[${address}]` : address}:${port}`
  securityHeaders = {
    'Content-Security-Policy': buildCsp({ mode: 'production' }).replace("connect-src 'self'", `connect-src 'self' ws://${address.includes(':') ? `[${address}]` : address}:${port} ws://localhost:${port}`),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin'
  }

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
