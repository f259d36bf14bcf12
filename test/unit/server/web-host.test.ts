/**
 * The web host's gate, with stub services (no engine): token on every request and socket,
 * Host/Origin checks, no files outside its root, loopback only unless asked, malformed
 * requests refused with a reason.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HostError, type AppInfo } from '../../../src/common/contract'
import { decodeWire, encodeWire } from '../../../src/common/wire'
import type { ChannelHandlers } from '../../../src/services/index'
import { startWebHost, type WebHost } from '../../../src/server/server'
import { rawRequest, type RawAnswer } from '../../helpers/rawHttp'

const INFO: AppInfo = {
  name: 'D-Softmax Studio',
  version: '0.0.0-test',
  node: '20',
  platform: 'linux',
  host: 'web',
  nativeDialogs: false
}

let dir: string
let root: string
let host: WebHost

function stubHandlers(): ChannelHandlers {
  const handlers: Partial<ChannelHandlers> = {
    'app:info': () => INFO,
    'runs:get': ({ id }) => {
      throw new HostError('not-found', `no run "${id}"`)
    },
    'workspace:get': () => ({ path: '/w', recent: [], runs: Number.NaN, writable: true })
  }
  return handlers as ChannelHandlers
}

/** A raw request, so that paths reach the server exactly as written (fetch would normalize `..`). */
const raw = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<RawAnswer> =>
  rawRequest(host.port, path, headers, method, body)

const post = (channel: string, args: unknown[], headers: Record<string, string> = {}): ReturnType<typeof raw> =>
  raw(`/api/${channel}`, { 'Content-Type': 'application/json', ...headers }, 'POST', encodeWire({ args }))

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-host-'))
  root = join(dir, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>renderer</title>')
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(root, '.env'), 'SECRET=1')
  writeFileSync(join(dir, 'secret.txt'), 'outside the root')
  symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'link.txt'))
  host = await startWebHost({ root, services: () => ({ handlers: stubHandlers(), shutdown: async () => {} }) })
})

afterAll(async () => {
  await host?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('web host: token', () => {
  it('listens on loopback on a random port and prints a URL with a long random token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/`)
    expect(host.port).toBeGreaterThan(0)
    expect(host.loginUrl).toBe(`${host.url}?token=${host.token}`)
    expect(host.token).toMatch(/^[\w-]{32}$/)
  })

  it('refuses pages and requests without the token, or with a wrong one (401)', async () => {
    expect((await raw('/')).status).toBe(401)
    expect((await raw('/assets/app.js')).status).toBe(401)
    expect((await post('app:info', [])).status).toBe(401)
    expect((await post('app:info', [], { 'X-DSoftmax-Token': 'x'.repeat(32) })).status).toBe(401)
    expect((await post('app:info', [], { Cookie: `dsoftmax_token_${host.port}=${host.token.slice(1)}` })).status).toBe(401)
    expect((await raw(`/?token=${host.token}x`)).status).toBe(401)
  })

  it('trades ?token= for an HttpOnly SameSite cookie, then serves the page with a strict CSP', async () => {
    const login = await raw(`/?token=${host.token}`)
    expect(login.status).toBe(303)
    expect(login.headers.location).toBe('/')
    const cookie = String(login.headers['set-cookie'])
    expect(cookie).toContain(`dsoftmax_token_${host.port}=${host.token}`)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const page = await raw('/', { Cookie: `dsoftmax_token_${host.port}=${host.token}` })
    expect(page.status).toBe(200)
    expect(page.text).toContain('<title>renderer</title>')
    expect(String(page.headers['content-security-policy'])).toMatch(/script-src 'self';/)
    expect(String(page.headers['content-security-policy'])).toContain(`ws://127.0.0.1:${host.port}`)
  })

  it('answers a contract request with the token, keeping NaN across the wire', async () => {
    const ok = await post('app:info', [], { 'X-DSoftmax-Token': host.token })
    expect(ok.status).toBe(200)
    expect(decodeWire(ok.text)).toEqual({ ok: true, value: INFO })
    expect(decodeWire(encodeWire({ a: [Number.NaN, Infinity, -Infinity, 1] }))).toEqual({
      a: [Number.NaN, Infinity, -Infinity, 1]
    })
  })
})

describe('web host: origin and host checks', () => {
  const auth = (): Record<string, string> => ({ 'X-DSoftmax-Token': host.token })

  it('refuses another origin even with the token (403)', async () => {
    const res = await post('app:info', [], { ...auth(), Origin: 'http://evil.example' })
    expect(res.status).toBe(403)
    expect(res.text).toMatch(/cross-origin/)
    expect((await post('app:info', [], { ...auth(), Origin: `http://127.0.0.1:${host.port + 1}` })).status).toBe(403)
    expect((await post('app:info', [], { ...auth(), Origin: 'null' })).status).toBe(403)
  })

  it('accepts its own origin', async () => {
    expect((await post('app:info', [], { ...auth(), Origin: `http://127.0.0.1:${host.port}` })).status).toBe(200)
    expect(
      (await post('app:info', [], { ...auth(), Origin: `http://localhost:${host.port}`, Host: `localhost:${host.port}` })).status
    ).toBe(200)
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await post('app:info', [], { ...auth(), Host: `attacker.example:${host.port}` })).status).toBe(403)
  })
})

describe('web host: requests', () => {
  const auth = { 'X-DSoftmax-Token': '' }
  beforeAll(() => {
    auth['X-DSoftmax-Token'] = host.token
  })

  it('refuses malformed requests with the reason, before any handler runs', async () => {
    const traversal = await post('runs:get', [{ id: '../../etc' }], auth)
    expect(traversal.status).toBe(400)
    expect(traversal.text).toMatch(/run id/)
    expect((await post('runs:get', [{ id: 'r1', extra: 1 }], auth)).status).toBe(400)
    expect((await post('app:info', [{}], auth)).status).toBe(400)
    const huge = await post('workspace:open', [{ path: '/' + 'a'.repeat(5000) }], auth)
    expect(huge.status).toBe(400)
    expect((await post('datasets:inspect', [{ path: 'relative/path' }], auth)).text).toMatch(/absolute path/)
  })

  it('maps service errors to their status, and its own bad answers to 500', async () => {
    const missing = await post('runs:get', [{ id: 'r1' }], auth)
    expect(missing.status).toBe(404)
    expect(decodeWire(missing.text)).toEqual({ ok: false, error: { code: 'not-found', message: 'no run "r1"' } })
    expect((await post('workspace:get', [], auth)).status).toBe(500)
  })

  it('refuses unknown channels, other methods, other content types and oversized bodies', async () => {
    expect((await post('shell:exec', [], auth)).status).toBe(404)
    expect((await post('__proto__', [], auth)).status).toBe(404)
    expect((await raw('/api/app:info', auth)).status).toBe(405)
    expect((await raw('/api/app:info', { ...auth, 'Content-Type': 'text/plain' }, 'POST', '{"args":[]}')).status).toBe(415)
    expect((await raw('/api/app:info', { ...auth, 'Content-Type': 'application/json' }, 'POST', '{not json')).status).toBe(400)
    const big = await raw(
      '/api/app:info',
      { ...auth, 'Content-Type': 'application/json' },
      'POST',
      JSON.stringify({ args: ['x'.repeat(1.5 * 2 ** 20)] })
    ).catch(() => ({ status: 400 }))
    expect(big.status).toBe(400)
  })
})

describe('web host: files', () => {
  const cookie = (): Record<string, string> => ({ Cookie: `dsoftmax_token_${host.port}=${host.token}` })

  it('serves the renderer files', async () => {
    const js = await raw('/assets/app.js', cookie())
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toMatch(/javascript/)
    expect(js.headers['x-content-type-options']).toBe('nosniff')
  })

  it('serves nothing outside its root: .., encoded .., backslashes, dot-files, symlinks out', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%5c%2e%2e%5csecret.txt',
      '/.env',
      '/assets/link.txt',
      '/%00',
      '/..%5csecret.txt'
    ]) {
      const res = await raw(path, cookie())
      expect(res.status, path).toBe(404)
      expect(res.text, path).not.toContain('outside the root')
    }
  })
})

describe('web host: events socket', () => {
  function connect(headers: Record<string, string>): Promise<{ ws: WebSocket; status?: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events`, { headers })
      ws.once('open', () => resolve({ ws }))
      ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }))
      ws.once('error', () => resolve({ ws, status: -1 }))
    })
  }

  it('refuses a socket without the token (401) or from another origin (403)', async () => {
    expect((await connect({})).status).toBe(401)
    expect((await connect({ Cookie: `dsoftmax_token_${host.port}=wrong` })).status).toBe(401)
    expect((await connect({ Cookie: `dsoftmax_token_${host.port}=${host.token}`, Origin: 'http://evil.example' })).status).toBe(
      403
    )
  })

  it('pushes validated events to a socket with the token, and refuses malformed payloads', async () => {
    const { ws, status } = await connect({
      Cookie: `dsoftmax_token_${host.port}=${host.token}`,
      Origin: `http://127.0.0.1:${host.port}`
    })
    expect(status).toBeUndefined()
    const received = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(decodeWire(String(data)))))
    host.emit('notice', { level: 'info', message: 'run finished' })
    expect(await received).toEqual({ event: 'notice', payload: { level: 'info', message: 'run finished' } })
    expect(() => host.emit('notice', { level: 'loud', message: 1 } as never)).toThrow(/malformed payload/)
    ws.close()
  })
})

describe('web host: listening address', () => {
  it('refuses to listen beyond loopback unless asked', async () => {
    await expect(
      startWebHost({ root, host: '0.0.0.0', services: () => ({ handlers: stubHandlers(), shutdown: async () => {} }) })
    ).rejects.toThrow(/--allow-remote/)
  })
})
