/**
 * The web host's gate from an attacker's side. test/unit/server/web-host.test.ts (F) already
 * checks: no token / wrong token → 401; another Origin → 403; foreign Host → 403; ?token= traded
 * for an HttpOnly SameSite cookie; malformed requests refused; unknown channels, other methods,
 * content types and big bodies refused; `..`, encoded `..`, backslashes, dot-files, symlinks out
 * of the root → 404; sockets without token / from another origin refused; 0.0.0.0 refused
 * without allowRemote. This file adds what those do not:
 *  - the socket really is bound to loopback (a connection through another interface fails);
 *  - near-miss tokens, Origins and Hosts (prefix/suffix/case, `null`, https, look-alike hosts);
 *  - no CORS grant to anyone, CSRF-style simple requests refused, the token never echoed;
 *  - channel names that are Object.prototype keys, JSON `__proto__` in bodies;
 *  - more path spellings for files outside the root (double encoding, overlong UTF-8,
 *    absolute-form request targets).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppInfo } from '../../src/common/contract'
import { encodeWire } from '../../src/common/wire'
import type { ChannelHandlers } from '../../src/services/index'
import { startWebHost, type WebHost } from '../../src/server/server'
import { rawRequest, type RawAnswer } from '../helpers/rawHttp'

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
const reached: string[] = []

function handlers(): ChannelHandlers {
  return new Proxy({} as ChannelHandlers, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined
      return () => {
        reached.push(key)
        return key === 'app:info' ? INFO : undefined
      }
    }
  })
}

const raw = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<RawAnswer> =>
  rawRequest(host.port, path, headers, method, body)

const cookie = (): Record<string, string> => ({ Cookie: `dsoftmax_token_${host.port}=${host.token}` })
const json = { 'Content-Type': 'application/json' }
const appInfoBody = encodeWire({ args: [] })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-websec-'))
  root = join(dir, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>renderer</title>')
  writeFileSync(join(dir, 'secret.txt'), 'outside the root')
  host = await startWebHost({ root, services: () => ({ handlers: handlers(), shutdown: async () => {} }) })
})

afterAll(async () => {
  await host?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('web host: listening address', () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address

  it.skipIf(!external)(`is not reachable through a non-loopback interface (${external ?? 'none on this machine'})`, async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: external as string, port: host.port })
      socket.once('connect', () => {
        socket.destroy()
        resolve('connected')
      })
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    expect(outcome).toBe('ECONNREFUSED')
  })
  if (!external)
    console.warn(
      '[security/webHost] SKIPPED the non-loopback reachability check: this machine has no non-loopback IPv4 interface'
    )

  it('is reachable on loopback (so the refusal above is about the address, not a dead server)', async () => {
    expect((await raw('/', cookie())).status).toBe(200)
  })

  it('refuses every wildcard or public address without allowRemote; loopback spellings are accepted', async () => {
    for (const address of ['0.0.0.0', '::', '192.168.1.10']) {
      await expect(
        startWebHost({ root, host: address, services: () => ({ handlers: handlers(), shutdown: async () => {} }) }),
        address
      ).rejects.toThrow(/refusing to listen/)
    }
    const local = await startWebHost({
      root,
      host: '::1',
      services: () => ({ handlers: handlers(), shutdown: async () => {} })
    }).catch((e: Error) => e)
    if (local instanceof Error)
      expect(local.message).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/) // no IPv6 here
    else await local.close()
  })
})

describe('web host: near-miss tokens', () => {
  it('refuses a token with a prefix, suffix, other case, padding, or an empty one, in every place a token goes', async () => {
    const t = host.token
    reached.length = 0
    const variants = [
      `${t}x`,
      t.slice(0, -1),
      `x${t}`,
      t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase(),
      ` ${t}`,
      '',
      `${t}\u0000`
    ]
    for (const bad of variants) {
      const label = JSON.stringify(bad.replace(t, 'TOKEN'))
      // HTTP trims spaces around a header value (RFC 9110 OWS) and forbids NUL in it: not tried there.
      if (bad.trim() === bad && !bad.includes('\u0000')) {
        expect(
          (await raw('/api/app:info', { ...json, 'X-Dsoftmax-Token': bad }, 'POST', appInfoBody)).status,
          `header ${label}`
        ).toBe(401)
      }
      expect(
        (
          await raw(
            '/api/app:info',
            { ...json, Cookie: `dsoftmax_token_${host.port}=${encodeURIComponent(bad)}` },
            'POST',
            appInfoBody
          )
        ).status,
        `cookie ${label}`
      ).toBe(401)
      expect((await raw(`/?token=${encodeURIComponent(bad)}`)).status, `query ${label}`).toBe(401)
    }
    expect((await raw('/api/app:info', { ...json, Cookie: `other_token=${t}` }, 'POST', appInfoBody)).status).toBe(401)
    expect(reached).toEqual([])
  })

  it('never echoes the token: not in refusals, not in the redirect that sets the cookie', async () => {
    const refused = await raw('/?token=wrong')
    expect(refused.text).not.toContain(host.token)
    const redirect = await raw(`/?token=${host.token}`)
    expect(redirect.status).toBe(303)
    expect(String(redirect.headers.location)).not.toContain(host.token)
    expect(String(redirect.headers['set-cookie'])).toMatch(/HttpOnly/)
    expect(String(redirect.headers['set-cookie'])).toMatch(/SameSite=Strict/)
    const page = await raw('/', cookie())
    expect(page.headers['referrer-policy']).toBe('no-referrer')
  })
})

describe('web host: origins, hosts and cross-site requests', () => {
  it('refuses look-alike Origins even with the token', async () => {
    reached.length = 0
    const p = host.port
    for (const origin of [
      'null',
      `https://127.0.0.1:${p}`,
      `http://127.0.0.1:${p}.evil.example`,
      `http://127.0.0.1:${p + 1}`,
      `http://evil.example#@127.0.0.1:${p}`,
      'file://',
      `http://127.0.0.1`
    ]) {
      const res = await raw('/api/app:info', { ...json, ...cookie(), Origin: origin }, 'POST', appInfoBody)
      expect(res.status, origin).toBe(403)
    }
    expect(reached).toEqual([])
  })

  it('refuses look-alike Host headers (DNS rebinding) even with the token', async () => {
    const p = host.port
    for (const hostHeader of [
      '127.0.0.1',
      `127.0.0.1:${p}.evil.example`,
      `evil.example:${p}`,
      `127.0.0.2:${p}`,
      `LOCALHOST.evil:${p}`
    ]) {
      const res = await raw('/', { ...cookie(), Host: hostHeader })
      expect(res.status, hostHeader).toBe(403)
    }
  })

  it('grants CORS to nobody: no Access-Control-Allow-* on preflights or answers', async () => {
    const origin = 'http://evil.example'
    const preflight = await raw('/api/app:info', { Origin: origin, 'Access-Control-Request-Method': 'POST' }, 'OPTIONS')
    const answer = await raw('/api/app:info', { ...json, ...cookie() }, 'POST', appInfoBody)
    expect(answer.status).toBe(200)
    for (const res of [preflight, answer]) {
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-allow'))).toEqual([])
    }
  })

  it('refuses CSRF-style simple requests: GET on the API, text/plain and form bodies', async () => {
    reached.length = 0
    expect((await raw('/api/app:info', cookie())).status).toBe(405)
    expect((await raw('/api/app:info', { ...cookie(), 'Content-Type': 'text/plain' }, 'POST', appInfoBody)).status).toBe(415)
    expect(
      (await raw('/api/app:info', { ...cookie(), 'Content-Type': 'application/x-www-form-urlencoded' }, 'POST', 'args=1')).status
    ).toBe(415)
    expect(reached).toEqual([])
  })

  it('refuses a socket that carries the token but comes from another origin, or asks for another path', async () => {
    const status = (url: string, headers: Record<string, string>): Promise<number | 'open'> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, { headers })
        ws.once('open', () => {
          ws.close()
          resolve('open')
        })
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.once('error', () => resolve(-1))
      })
    const base = `ws://127.0.0.1:${host.port}`
    expect(await status(`${base}/events?token=${host.token}`, { Origin: 'http://evil.example' })).toBe(403)
    expect(await status(`${base}/events?token=${host.token}`, { Origin: 'null' })).toBe(403)
    expect(await status(`${base}/other?token=${host.token}`, {})).toBe(404)
    expect(await status(`${base}/events?token=${host.token}`, { Origin: `http://127.0.0.1:${host.port}` })).toBe('open')
  })
})

describe('web host: channel names and bodies', () => {
  it('answers 404 for Object.prototype names and path tricks, without reaching a handler', async () => {
    reached.length = 0
    for (const name of [
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
      '..%2f..%2fetc%2fpasswd',
      'app:info%00',
      'APP:INFO',
      'app:info/'
    ]) {
      const res = await raw(`/api/${name}`, { ...json, ...cookie() }, 'POST', appInfoBody)
      expect(res.status, name).toBe(404)
    }
    expect(reached).toEqual([])
  })

  it('a JSON body with __proto__ neither pollutes prototypes nor passes as a request', async () => {
    reached.length = 0
    const body = '{"__proto__":{"polluted":true,"args":[]},"constructor":{"prototype":{"polluted":true}}}'
    const res = await raw('/api/app:info', { ...json, ...cookie() }, 'POST', body)
    expect(res.status).toBe(400)
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    const withArgs = await raw(
      '/api/runs:get',
      { ...json, ...cookie() },
      'POST',
      '{"args":[{"id":"r1","__proto__":{"id":"../../etc"}}]}'
    )
    expect(withArgs.status).toBe(400)
    expect(reached).toEqual([])
  })
})

describe('web host: files outside the root', () => {
  it('refuses more spellings of a way out: double encoding, overlong UTF-8, absolute-form targets, doubled slashes', async () => {
    const paths = [
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%e0%80%ae%e0%80%ae/secret.txt',
      '/index.html/../../secret.txt',
      '//secret.txt',
      `http://127.0.0.1:${host.port}/../secret.txt`,
      '/.%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      `/${'../'.repeat(20)}etc/passwd`,
      `/${encodeURIComponent(dir)}/secret.txt`
    ]
    for (const path of paths) {
      const res = await raw(path, cookie())
      expect(res.text, path).not.toContain('outside the root')
      expect(res.text, path).not.toContain('root:')
      // `//secret.txt` parses as a protocol-relative URL whose path is `/`: the index page, which is fine.
      if (res.status === 200) expect(res.text, path).toBe('<!doctype html><title>renderer</title>')
      else expect([400, 404], path).toContain(res.status)
    }
  })
})
