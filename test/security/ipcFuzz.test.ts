/**
 * Every request channel of the contract against malformed input, through the same path a real
 * IPC call takes (createMainIpc → parseRequest → handler): wrong types in every field, huge
 * strings, NUL bytes, path traversal in path and id fields, unknown and prototype-polluting
 * keys, wrong argument counts. The handler must never run for any of them.
 *
 * Mutations are generated from one valid request per channel (VALID below; the test fails when a
 * channel has none, so a new channel gets fuzzed as soon as it exists).
 */
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REQUEST_CHANNELS, type RequestChannel, openEnvelope, parseRequest, takesNoRequest } from '../../src/common/contract'
import { MAX_PATH_CHARS } from '../../src/common/schemas/base'
import { type IpcMainLike, type InvokeEventLike, createMainIpc } from '../../src/main/ipc-core'
import { insideRoot, isInside } from '../../src/services/paths'

const recipe = {
  preset: 'fonts-quick',
  dataset: 'files',
  data: { train: '/data/faces', val: '/data/pairs.bin' },
  backbone: 'glyph-cnn',
  embeddingDim: 3,
  inputSize: 32,
  loss: 'dsoftmax',
  lossParams: { s: 30, d: 0.9 },
  optimizer: { kind: 'sgd', lr: 0.1, weightDecay: 0.0005, momentum: 0.9 },
  schedule: { kind: 'step', warmupSteps: 10, milestones: [100, 200], gamma: 0.1 },
  batchSize: 64,
  epochs: 2,
  augment: { shift: 2, flip: false },
  evalFlip: false,
  replicas: 'auto',
  validateEvery: 1,
  seed: 1
}

const sweep = {
  base: recipe,
  plan: { mode: 'grid', axes: [{ field: 'lossParams.d', values: [0.8, 0.9] }] },
  scheduler: {
    kind: 'slurm',
    maxParallel: 2,
    slurm: { partition: 'gpu', time: '1:00:00', gpus: 1, cpusPerTask: 4, extra: ['--qos=normal'] }
  },
  label: 'd sweep',
  backend: 'wasm'
}

/** One valid request for every channel that takes one. */
const VALID: Partial<Record<RequestChannel, unknown>> = {
  'workspace:open': { path: '/home/u/studio', create: true },
  'runs:get': { id: 'run-1' },
  'runs:rename': { id: 'run-1', name: 'first try' },
  'runs:tag': { id: 'run-1', add: ['baseline'], remove: ['old'] },
  'runs:delete': { id: 'run-1' },
  'runs:compare': { ids: ['run-1', 'run-2'] },
  'datasets:inspect': { path: '/data/faces', decode: true, taskId: 't1' },
  'datasets:add': { path: '~/faces', name: 'faces', taskId: 't2' },
  'datasets:remove': { id: 'ds-1' },
  'training:validate': { recipe },
  'training:start': { kind: 'recipe', recipe, name: 'run', backend: 'wasm' },
  'training:resumeRun': { runId: 'run-1', backend: 'cpu' },
  'training:pause': { runId: 'run-1' },
  'training:resume': { runId: 'run-1' },
  'training:stop': { runId: 'run-1' },
  'eval:run': {
    runId: 'run-1',
    pairs: { kind: 'file', path: '/data/lfw.bin' },
    checkpoint: 'best',
    flip: true,
    worst: 8,
    taskId: 't3'
  },
  'eval:embedding': { runId: 'run-1', method: 'pca', checkpoint: 'last', identities: 10, perIdentity: 20, taskId: 't4' },
  'eval:list': { runId: 'run-1' },
  'export:onnx': { runId: 'run-1', checkpoint: 'best', target: '/home/u/model.onnx', normalize: true, taskId: 't5' },
  'export:embeddings': { runId: 'run-1', format: 'npy', images: 'validation', target: '/home/u/e.npy', taskId: 't6' },
  'export:tfjs': { runId: 'run-1', target: '/home/u/tfjs', taskId: 't7' },
  'dialog:open': { kind: 'dataset', title: 'Pick', filters: [{ name: 'Images', extensions: ['jpg', 'png'] }] },
  'dialog:save': { title: 'Save', defaultName: 'model.onnx', filters: [{ name: 'ONNX', extensions: ['onnx'] }] },
  'task:cancel': { taskId: 't1' },
  'study:figure1': { steps: 20, measurePerClass: 8, taskId: 't8' },
  'datasets:align': {
    source: '/data/photos',
    target: '/data/aligned',
    size: 112,
    margin: 0.1,
    minFaceSize: 40,
    multiFace: 'largest',
    detector: 'ssd',
    addDataset: true,
    taskId: 't9'
  },
  'sweeps:plan': sweep,
  'sweeps:start': sweep,
  'sweeps:status': { id: 'sweep-1' },
  'sweeps:cancel': { id: 'sweep-1', runs: ['d-0.8'] },
  'sweeps:requeue': { id: 'sweep-1', runs: ['d-0.8'] },
  'sweeps:compare': { id: 'sweep-1' }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Path = (string | number)[]

/** Every leaf (string, number, boolean) of a JSON value with its path. */
function leaves(value: Json, path: Path = []): { path: Path; value: string | number | boolean }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]))
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))
  return value === null ? [] : [{ path, value }]
}

/** Every object (incl. the root) of a JSON value with its path. */
function objects(value: Json, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => objects(item, [...path, i]))
  if (value !== null && typeof value === 'object')
    return [path, ...Object.entries(value).flatMap(([k, v]) => objects(v, [...path, k]))]
  return []
}

function replaceAt(root: Json, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  node[path[path.length - 1]] = replacement
  return copy
}

function addKeyAt(root: Json, path: Path, key: string, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>
  let node = copy
  for (const step of path) node = node[step] as Record<string | number, unknown>
  Object.defineProperty(node, key, { value, enumerable: true, configurable: true, writable: true })
  return copy
}

const HUGE = 'x'.repeat(1_000_000)
const TRAVERSALS = [
  '../../etc/passwd',
  '..\\..\\Windows\\win.ini',
  'runs/../../x',
  'etc/passwd',
  '',
  '.',
  '..',
  'C:relative',
  '/data/\0/x'
]
const ID_ATTACKS = ['..', '.', '../run-1', 'run-1/../../x', 'a/b', 'a\\b', '%2e%2e', 'run 1', '', 'x'.repeat(300)]
/** Fields whose schema is a union: values of another member type are valid, not malformed. */
const UNION_MEMBERS: Record<string, (value: unknown) => boolean> = {
  replicas: (value) => Number.isInteger(value), // a number of replicas, or 'auto'
  // A swept value is a number, a word or a switch.
  'plan.axes.*.values.*': (value) => typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value)
}
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'isAdmin']

/** A fake ipcMain that keeps the registered listeners, and a handler that records being reached. */
function fakeIpc(): {
  ipc: IpcMainLike
  listeners: Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>
  reached: string[]
} {
  const listeners = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>()
  return { ipc: { handle: (c, fn) => listeners.set(c, fn), removeHandler: (c) => listeners.delete(c) }, listeners, reached: [] }
}

const TRUSTED = 'file:///app/out/renderer/index.html'
const trustedEvent: InvokeEventLike = { senderFrame: { url: TRUSTED } }

/** Calls `channel` like Electron would, and says whether the handler was reached. */
async function call(channel: RequestChannel, args: unknown[]): Promise<{ reached: boolean; error?: string }> {
  const { ipc, listeners, reached } = fakeIpc()
  const main = createMainIpc(ipc, (url) => url === TRUSTED)
  // Never answers: reaching it is the failure under test (its response is not checked).
  main.handle(channel, (() => {
    reached.push(channel)
    throw new Error('handler reached')
  }) as never)
  const listener = listeners.get(channel)
  if (!listener) throw new Error(`${channel} was not registered`)
  try {
    openEnvelope(channel, await listener(trustedEvent, ...args))
    return { reached: reached.length > 0 }
  } catch (e) {
    return { reached: reached.length > 0, error: (e as Error).message }
  }
}

describe('IPC fuzz: every channel refuses malformed requests before its handler runs', () => {
  it('has a valid sample for every channel that takes a request (add one for a new channel)', () => {
    const missing = REQUEST_CHANNELS.filter((c) => !takesNoRequest(c) && !(c in VALID))
    expect(missing).toEqual([])
    for (const [channel, request] of Object.entries(VALID)) {
      expect(() => parseRequest(channel as RequestChannel, [request]), channel).not.toThrow()
    }
  })

  it('the valid sample does reach the handler (so the refusals below mean something)', async () => {
    const result = await call('runs:get', [{ id: 'run-1' }])
    expect(result).toEqual({ reached: true, error: 'handler reached' })
  })

  for (const channel of REQUEST_CHANNELS) {
    it(`${channel}`, async () => {
      const attempts: { label: string; args: unknown[] }[] = []
      const wrongRoots: unknown[] = [null, 0, Number.NaN, 'string', true, [], [VALID[channel] ?? {}], HUGE, { then: 'x' }]
      if (takesNoRequest(channel)) {
        for (const value of wrongRoots) attempts.push({ label: `argument ${String(value).slice(0, 20)}`, args: [value] })
        attempts.push({ label: 'empty object', args: [{}] })
      } else {
        const valid = VALID[channel] as Json
        attempts.push({ label: 'no argument', args: [] })
        attempts.push({ label: 'two arguments', args: [valid, valid] })
        for (const value of [undefined, ...wrongRoots])
          attempts.push({ label: `root ${String(value).slice(0, 20)}`, args: [value] })
        for (const { path, value } of leaves(valid)) {
          const at = path.join('.')
          const wrongType =
            typeof value === 'string'
              ? [42, true, { toString: 'x' }, [value]]
              : typeof value === 'number'
                ? ['1', true, null, Infinity]
                : ['true', 1, null]
          for (const wrong of wrongType.filter(
            (w) => !UNION_MEMBERS[at.replace(/^(recipe|base)\./, '').replace(/\.\d+(?=\.|$)/g, '.*')]?.(w)
          ))
            attempts.push({ label: `${at} = ${JSON.stringify(wrong)}`, args: [replaceAt(valid, path, wrong)] })
          if (typeof value === 'string') {
            attempts.push({ label: `${at} = 1 MB string`, args: [replaceAt(valid, path, HUGE)] })
            if (/(^|\.)(path|target|train|val)$/.test(at)) {
              // NUL ends a path in the C APIs below Node; in free text (names, titles) it is only a character.
              attempts.push({ label: `${at} with NUL`, args: [replaceAt(valid, path, `${value}\0`)] })
              for (const attack of TRAVERSALS)
                attempts.push({ label: `${at} = ${JSON.stringify(attack)}`, args: [replaceAt(valid, path, attack)] })
              attempts.push({ label: `${at} over PATH_MAX`, args: [replaceAt(valid, path, `/${'a'.repeat(MAX_PATH_CHARS)}`)] })
            }
            // Ids that name a folder (runs); a dataset id is only looked up in the workspace's list.
            if (/(^|\.)(runId|ids\.\d+)$/.test(at) || (channel.startsWith('runs:') && at === 'id')) {
              for (const attack of ID_ATTACKS)
                attempts.push({ label: `${at} = ${JSON.stringify(attack)}`, args: [replaceAt(valid, path, attack)] })
            }
          }
        }
        for (const path of objects(valid)) {
          for (const key of POLLUTING_KEYS) {
            attempts.push({
              label: `${path.join('.') || '(root)'} + ${key}`,
              args: [addKeyAt(valid, path, key, { polluted: true })]
            })
          }
        }
        // A JSON-parsed __proto__ is an own key (what a web client or a hostile renderer can send).
        attempts.push({
          label: 'JSON __proto__',
          args: [JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(valid).slice(1)}`)]
        })
      }

      const reachedWith: string[] = []
      for (const attempt of attempts) {
        const result = await call(channel, attempt.args)
        if (result.reached) reachedWith.push(attempt.label)
        else expect(result.error, attempt.label).toMatch(/^contract violation on /)
      }
      expect(reachedWith, `${channel}: malformed requests that reached the handler`).toEqual([])
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
      expect(attempts.length).toBeGreaterThan(takesNoRequest(channel) ? 5 : 20)
    })
  }

  it('error messages stay short even for a megabyte of input (no echo of the payload)', async () => {
    const result = await call('runs:rename', [{ id: 'run-1', name: HUGE }])
    expect(result.reached).toBe(false)
    expect(result.error?.length ?? 0).toBeLessThan(2000)
  })
})

describe('paths that passed the schema are confined by the host (src/services/paths.ts)', () => {
  const run = resolve('/ws/runs/run-1')

  it('an export target that climbs out of the run folder is refused, however it is spelled', () => {
    for (const target of [
      '/ws/runs/run-1/../../../etc/passwd',
      '/ws/runs/run-1/exports/../../run-2/x',
      '/ws/runs/run-10/x',
      '/etc/passwd',
      '/ws/runs'
    ]) {
      expect(isInside(run, target), target).toBe(false)
      expect(() => insideRoot(run, target, 'the export'), target).toThrow(/must stay inside/)
    }
    expect(() => insideRoot(run, '../../etc/passwd', 'the export')).toThrow(/must stay inside/)
  })

  it('paths inside the run folder are kept, normalized', () => {
    expect(insideRoot(run, 'exports/model.onnx', 'the export')).toBe(resolve(run, 'exports/model.onnx'))
    expect(insideRoot(run, '/ws/runs/run-1/exports/./a/../model.onnx', 'the export')).toBe(resolve(run, 'exports/model.onnx'))
  })
})
