/**
 * Errors over HTTP: the web host's envelope and status per code, and the web client
 * (src/renderer/src/host/webApi.ts) rebuilding each as a HostError with its code.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeWire, encodeWire } from '../../../src/common/wire'
import { createWebApi } from '../../../src/renderer/src/host/webApi'
import type { ChannelHandlers } from '../../../src/services/dispatch'
import { startWebHost, type WebHost } from '../../../src/server/server'
import { expectCodesSurvive, failingHandlers } from '../../helpers/hostErrors'
import { rawRequest } from '../../helpers/rawHttp'

let host: WebHost
let root: string

beforeAll(async () => {
  // The API is what is under test; the static root stays empty.
  root = mkdtempSync(join(tmpdir(), 'dsoftmax-envelope-'))
  host = await startWebHost({
    root,
    services: () => ({ handlers: failingHandlers() as ChannelHandlers, shutdown: async () => {} })
  })
})

afterAll(async () => {
  await host?.close()
  rmSync(root, { recursive: true, force: true })
})

const post = (channel: string, args: unknown[]) =>
  rawRequest(
    host.port,
    `/api/${channel}`,
    { 'Content-Type': 'application/json', 'X-DSoftmax-Token': host.token },
    'POST',
    encodeWire({ args })
  )

describe('errors over HTTP', () => {
  it('reach the web client as HostError with the code the service gave them', async () => {
    const api = createWebApi({
      baseUrl: `http://127.0.0.1:${host.port}`,
      fetch: (url, init) =>
        fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), 'X-DSoftmax-Token': host.token } }),
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket
    })
    await expectCodesSurvive(api)
  })

  it('answer every failure as an envelope whose status follows its code', async () => {
    const cases: [string, unknown[], number, string][] = [
      ['shell:exec', [], 404, 'unknown-channel'],
      ['runs:list', [], 404, 'unknown-channel'],
      ['runs:get', [{ id: 1 }], 400, 'malformed-request'],
      ['runs:get', [{ id: 'r1' }], 409, 'conflict'],
      ['runs:delete', [{ id: 'r1' }], 500, 'failed'],
      ['workspace:get', [], 500, 'malformed-response']
    ]
    for (const [channel, args, status, code] of cases) {
      const answer = await post(channel, args)
      expect(
        { status: answer.status, code: (decodeWire(answer.text) as { error?: { code?: string } }).error?.code },
        channel
      ).toEqual({ status, code })
    }
  })

  it('say "unreachable" when no host answers', async () => {
    const api = createWebApi({ baseUrl: 'http://127.0.0.1:1', WebSocket: WebSocket as unknown as typeof globalThis.WebSocket })
    await expect(api.invoke['app:info']()).rejects.toMatchObject({ name: 'HostError', code: 'unreachable' })
  })
})
