// One set of stub services and the renderer-side expectations that must hold over every
// transport: IPC (main → preload bridge → renderer) and HTTP (web host → web client).
import { expect } from 'vitest'
import { type AppInfo, ContractError, type ContractApi, HostError } from '../../src/common/contract'
import type { HostErrorCode } from '../../src/common/envelope'
import type { ChannelHandlers } from '../../src/services/dispatch'

export const STUB_INFO: AppInfo = {
  name: 'D-Softmax Studio',
  version: '0.0.0-test',
  node: '20',
  platform: 'linux',
  host: 'web',
  nativeDialogs: false
}

/** Handlers that fail in each way a service can; 'runs:list' is left out on purpose (not served). */
export function failingHandlers(): Partial<ChannelHandlers> {
  return {
    'app:info': () => STUB_INFO,
    'runs:get': ({ id }) => {
      throw new HostError('conflict', `run "${id}" is busy`)
    },
    'runs:delete': () => {
      throw new Error('disk controller on fire')
    },
    'runs:rename': () => {
      throw Object.assign(new Error("ENOENT: no such file or directory, open '/w/runs/r1/run.json'"), {
        code: 'ENOENT',
        errno: -2
      })
    },
    'runs:tag': () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 })
    },
    'workspace:get': () => ({ path: 'not absolute' }) as never
  }
}

async function rejection(call: Promise<unknown>): Promise<HostError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(HostError)
  return error as HostError
}

async function expectCode(call: Promise<unknown>, code: HostErrorCode, message: RegExp): Promise<HostError> {
  const error = await rejection(call)
  expect({ code: error.code, message: error.message }).toEqual({ code, message: expect.stringMatching(message) })
  return error
}

/** What the renderer sees when `api` talks to a host serving failingHandlers(). */
export async function expectCodesSurvive(api: ContractApi): Promise<void> {
  await expect(api.invoke['app:info']()).resolves.toEqual(STUB_INFO)

  // A service's own HostError: same class, code and message on the renderer's side.
  const conflict = await expectCode(api.invoke['runs:get']({ id: 'r1' }), 'conflict', /^run "r1" is busy$/)
  expect(conflict).not.toBeInstanceOf(ContractError)

  // The contract's refusals come back as ContractError, each with its own code.
  const malformed = await expectCode(
    api.invoke['runs:get']({ id: 1 } as never),
    'malformed-request',
    /^contract violation on "runs:get": malformed request: id:/
  )
  expect(malformed).toBeInstanceOf(ContractError)
  expect(await expectCode(api.invoke['runs:list'](), 'unknown-channel', /"runs:list" is not served here/)).toBeInstanceOf(
    ContractError
  )
  expect(await expectCode(api.invoke['workspace:get'](), 'malformed-response', /malformed response/)).toBeInstanceOf(
    ContractError
  )

  // Anything else a handler throws is a failure; a system error keeps what its errno says.
  await expectCode(api.invoke['runs:delete']({ id: 'r1' }), 'failed', /^disk controller on fire$/)
  await expectCode(api.invoke['runs:rename']({ id: 'r1', name: 'x' }), 'not-found', /^ENOENT/)
  await expectCode(api.invoke['runs:tag']({ id: 'r1', add: ['x'] }), 'no-space', /^ENOSPC/)
}
