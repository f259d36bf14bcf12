/**
 * The web host against hostile requests that once ended the process or leaked: request targets
 * `new URL` rejects (with and without a WebSocket upgrade), an open redirect in the token
 * exchange, token cookies shared between two hosts, a static root that vanished, a handler's own
 * SyntaxError; and the Host policy that lets LAN clients and `ssh -L` tunnels in with
 * --allow-remote while still refusing names an attacker's DNS could point here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppInfo } from '../../../src/common/contract'
import { decodeWire, encodeWire } from '../../../src/common/wire'
import type { ChannelHandlers } from '../../../src/services/index'
import { startWebHost, type WebHost, type WebHostOptions } from '../../../src/server/server'
import { rawExchange, rawRequest } from '../../helpers/rawHttp'

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
const hosts: WebHost[] = []

function handlers(): ChannelHandlers {
  const partial: Partial<ChannelHandlers> = {
    'app:info': () => INFO,
    'runs:list': () => {
      // What JSON.parse throws on a damaged file the handler read: the handler's failure, not the body's.
      throw new SyntaxError('Unexpected end of JSON input')
    }
  }
  return partial as ChannelHandlers
}

async function start(options: Partial<WebHostOptions> = {}): Promise<WebHost> {
  const host = await startWebHost({ root, services: () => ({ handlers: handlers(), shutdown: async () => {} }), ...options })
  hosts.push(host)
  return host
}

const appInfo = (host: WebHost, headers: Record<string, string> = {}): ReturnType<typeof rawRequest> =>
  rawRequest(
    host.port,
    '/api/app:info',
    { 'Content-Type': 'application/json', 'X-DSoftmax-Token': host.token, ...headers },
    'POST',
    encodeWire({ args: [] })
  )

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-hostile-'))
  root = join(dir, 'renderer')
  mkdirSync(root, { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>renderer</title>')
})

afterAll(async () => {
  for (const host of hosts) await host.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Request targets `new URL(target, base)` throws on, or that are not origin-form at all. */
const MALFORMED_TARGETS = [
  '//a:xx',
  '//a:99999/',
  '//[',
  '//[::1',
  '//a:b@:x/',
  '//%zz:1',
  'http://[::1',
  'http://a:xx/',
  '*',
  'a',
  '?x',
  '//evil.example:0x1/'
]

describe('web host: malformed request targets without a token', () => {
  it('answers each with an error and keeps serving', async () => {
    const host = await start()
    for (const target of MALFORMED_TARGETS) {
      const answer = await rawExchange(
        host.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`
      )
      expect(answer, target).toMatch(/^HTTP\/1\.1 4\d\d /)
    }
    expect((await appInfo(host)).status).toBe(200)
  })

  it('refuses WebSocket upgrades to them and keeps serving', async () => {
    const host = await start()
    for (const target of [...MALFORMED_TARGETS, '//a:xx/events']) {
      const upgrade = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`
      const answer = await rawExchange(host.port, upgrade)
      expect(answer, target).toMatch(/^HTTP\/1\.1 4\d\d /)
    }
    expect((await appInfo(host)).status).toBe(200)
  })
})

describe('web host: token exchange and cookie', () => {
  it('redirects only to a path on itself, never to another host', async () => {
    const host = await start()
    for (const path of ['/.//evil.example/', '//evil.example/', '/\\evil.example/', '/%2f%2fevil.example/', '/./', '/a/../']) {
      const res = await rawRequest(host.port, `${path}?token=${host.token}`)
      expect(res.status, path).toBe(303)
      expect(res.headers.location, path).toBe('/')
    }
    const deep = await rawRequest(host.port, `/assets/app.js?token=${host.token}`)
    expect(deep.headers.location).toBe('/assets/app.js')
  })

  it('names its cookie after its port, so two hosts on one machine do not log each other out', async () => {
    const a = await start()
    const b = await start()
    const cookieOf = async (host: WebHost): Promise<string> =>
      String((await rawRequest(host.port, `/?token=${host.token}`)).headers['set-cookie']).split(';')[0]
    const [cookieA, cookieB] = [await cookieOf(a), await cookieOf(b)]
    expect(cookieA).toBe(`dsoftmax_token_${a.port}=${a.token}`)
    expect(cookieB).toBe(`dsoftmax_token_${b.port}=${b.token}`)
    // A browser sends both cookies to both hosts (cookies ignore ports): each host reads its own.
    const both = { Cookie: `${cookieA}; ${cookieB}` }
    expect((await rawRequest(a.port, '/', both)).status).toBe(200)
    expect((await rawRequest(b.port, '/', both)).status).toBe(200)
    expect((await rawRequest(b.port, '/', { Cookie: cookieA.replace(String(a.port), String(b.port)) })).status).toBe(401)
  })
})

describe('web host: failures inside a request', () => {
  it('answers 500 when its static folder has gone, and keeps serving the API', async () => {
    const gone = join(dir, 'gone')
    mkdirSync(gone)
    writeFileSync(join(gone, 'index.html'), 'x')
    const host = await start({ root: gone })
    rmSync(gone, { recursive: true })
    const page = await rawRequest(host.port, '/', { 'X-DSoftmax-Token': host.token })
    expect(page.status).toBe(500)
    expect((await appInfo(host)).status).toBe(200)
  })

  it("reports a handler's own SyntaxError as its failure (500), not as a body that is not JSON", async () => {
    const host = await start()
    const res = await rawRequest(
      host.port,
      '/api/runs:list',
      { 'Content-Type': 'application/json', 'X-DSoftmax-Token': host.token },
      'POST',
      encodeWire({ args: [] })
    )
    expect(res.status).toBe(500)
    expect(decodeWire(res.text)).toEqual({ ok: false, error: { code: 'failed', message: 'Unexpected end of JSON input' } })
    const garbled = await rawRequest(
      host.port,
      '/api/runs:list',
      { 'Content-Type': 'application/json', 'X-DSoftmax-Token': host.token },
      'POST',
      '{"args": ['
    )
    expect(garbled.status).toBe(400)
    expect(garbled.text).toContain('body is not JSON')
  })
})

describe('web host: Host policy (DNS rebinding) for tunnels and LAN clients', () => {
  it('on loopback: takes localhost and loopback addresses on any port (ssh -L), and nothing else', async () => {
    const host = await start()
    for (const name of ['localhost:9000', '127.0.0.1:9000', '[::1]:9000', `LOCALHOST:${host.port}`]) {
      expect((await appInfo(host, { Host: name })).status, name).toBe(200)
    }
    const tunnelled = await rawRequest(host.port, '/', { Host: 'localhost:9000', 'X-DSoftmax-Token': host.token })
    expect(String(tunnelled.headers['content-security-policy'])).toContain('ws://localhost:9000')
    expect((await appInfo(host, { Host: 'localhost:9000', Origin: 'http://localhost:9000' })).status).toBe(200)
    expect((await appInfo(host, { Host: 'localhost:9000', Origin: `http://localhost:${host.port}` })).status).toBe(403)
    for (const name of [
      '192.168.1.20:9000',
      `gpu-box.lan:${host.port}`,
      `localhost.evil.example:${host.port}`,
      'localhost',
      'localhost:0',
      'localhost:70000'
    ]) {
      expect((await appInfo(host, { Host: name })).status, name).toBe(403)
    }
  })

  it('with --allow-remote on 0.0.0.0: takes any IP literal (LAN) and the names given, refuses other names', async () => {
    const host = await start({ host: '0.0.0.0', allowRemote: true, publicNames: ['GPU-box.lan'] })
    for (const name of [`192.168.1.20:${host.port}`, `[fe80::1]:${host.port}`, 'localhost:9000', `gpu-box.lan:${host.port}`]) {
      expect((await appInfo(host, { Host: name })).status, name).toBe(200)
      expect(
        (await appInfo(host, { Host: name, Origin: `http://${name.toLowerCase()}` })).status,
        `${name} with its Origin`
      ).toBe(200)
    }
    expect((await appInfo(host, { Host: `192.168.1.20:${host.port}`, Origin: 'http://192.168.1.21:' + host.port })).status).toBe(
      403
    )
    for (const name of [`evil.example:${host.port}`, `192.168.1.20.evil.example:${host.port}`, `gpu-box:${host.port}`]) {
      expect((await appInfo(host, { Host: name })).status, name).toBe(403)
    }
    expect((await appInfo(host, { Host: `192.168.1.20:${host.port}`, 'X-DSoftmax-Token': 'wrong' })).status).toBe(401)
  })
})
