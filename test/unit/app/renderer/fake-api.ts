/**
 * A fake host implementing the whole contract. `Invokers` is the contract's own type, so this
 * file stops compiling when a channel is added, removed or changes shape. Tests override the
 * channels they care about and push events with `emit`.
 */
import type { EventChannel, Invokers, PayloadOf } from '../../../../src/common/contract'
import type { AppInfo, BackendReport } from '../../../../src/common/dto'
import type { Api } from '../../../../src/renderer/src/api'
import { FAKE_INFO, PROBED_REPORT } from '../fixtures'
import * as F from './contract-fixtures'
import { figure1Result } from './studyFixtures'
import { SWEEP_COMPARISON, SWEEP_PLAN, SWEEP_SUMMARY, sweepStatus } from './sweepFixtures'

export interface FakeApi {
  api: Api
  /** Every call the fake received, in order, e.g. `invoke:app:info`, `on:backend:report`. */
  calls: string[]
  /** The request each invoke received, in order. */
  requests: { channel: string; request: unknown }[]
  /** Pushes an event to the current subscribers. */
  emit<E extends EventChannel>(event: E, payload: PayloadOf<E>): void
  listenerCount(event?: EventChannel): number
}

export interface FakeOptions {
  info?: AppInfo
  backend?: BackendReport
  /** Every invoke rejects with this message. */
  fail?: string
  /** Replacements for individual channels. */
  handlers?: Partial<Invokers>
}

function defaults(options: FakeOptions): Invokers {
  const ok = <T>(value: T) => Promise.resolve(value)
  return {
    'app:info': () => ok(options.info ?? FAKE_INFO),
    'backend:probe': () => ok(options.backend ?? PROBED_REPORT),
    'workspace:get': () => ok(F.WORKSPACE),
    'workspace:open': ({ path }) => ok({ ...F.WORKSPACE, path }),
    'runs:list': () => ok(F.RUN_LIST),
    'runs:get': ({ id }) => ok(F.runDetail({ summary: F.runSummary({ id }) })),
    'runs:rename': ({ id, name }) => ok(F.runSummary({ id, name })),
    'runs:tag': ({ id, add }) => ok(F.runSummary({ id, tags: add })),
    'runs:delete': ({ id }) => ok({ id }),
    'runs:compare': () => ok({ runs: [], differences: [] }),
    'datasets:inspect': ({ path }) => ok(F.datasetReport({ path })),
    'datasets:list': () => ok([F.datasetEntry()]),
    'datasets:add': ({ path }) =>
      ok({
        entry: F.datasetEntry({ id: 'ds-1', name: 'broken', path, format: 'folder', bundled: false, problemCount: 2 }),
        report: F.datasetReport({ path })
      }),
    'datasets:remove': () => ok([F.datasetEntry()]),
    'datasets:align': ({ target }) => ok(F.alignFacesResult({ target })),
    'training:catalog': () => ok(F.CATALOG),
    'training:validate': () => ok(F.RECIPE_CHECK),
    'training:start': () => ok(F.trainingState({ phase: 'starting', step: 0 })),
    'training:resumeRun': ({ runId }) => ok(F.trainingState({ runId, phase: 'starting' })),
    'training:pause': ({ runId }) => ok(F.trainingState({ runId, phase: 'paused' })),
    'training:resume': ({ runId }) => ok(F.trainingState({ runId, phase: 'running' })),
    'training:stop': ({ runId }) => ok(F.trainingState({ runId, phase: 'stopping' })),
    'training:active': () => ok([F.trainingState()]),
    'eval:run': ({ runId }) => ok(F.evaluationReport({ runId })),
    'eval:embedding': () => ok(F.embedding(2)),
    'eval:list': () => ok([]),
    'export:onnx': () => ok(F.ONNX_RESULT),
    'export:embeddings': () => ok(F.EMBEDDINGS_RESULT),
    'export:tfjs': () => ok(F.TFJS_RESULT),
    'dialog:open': () => ok({ supported: false }),
    'dialog:save': () => ok({ supported: false }),
    'task:cancel': () => ok({ cancelled: true }),
    'study:figure1': () => ok(figure1Result()),
    'sweeps:plan': () => ok(SWEEP_PLAN),
    'sweeps:start': () => ok(sweepStatus()),
    'sweeps:list': () => ok([SWEEP_SUMMARY]),
    'sweeps:status': () => ok(sweepStatus()),
    'sweeps:cancel': () => ok(sweepStatus()),
    'sweeps:requeue': () => ok(sweepStatus()),
    'sweeps:compare': () => ok(SWEEP_COMPARISON)
  }
}

export function createFakeApi(options: FakeOptions = {}): FakeApi {
  const calls: string[] = []
  const requests: { channel: string; request: unknown }[] = []
  const listeners = new Map<string, Set<(payload: never) => void>>()
  const handlers: Invokers = { ...defaults(options), ...options.handlers }
  const invoke = Object.fromEntries(
    Object.entries(handlers).map(([channel, handler]) => [
      channel,
      (...args: unknown[]) => {
        calls.push(`invoke:${channel}`)
        requests.push({ channel, request: args[0] })
        if (options.fail) return Promise.reject(new Error(options.fail))
        return (handler as (...a: unknown[]) => Promise<unknown>)(...args)
      }
    ])
  ) as unknown as Invokers
  const api: Api = {
    invoke,
    on(event, listener) {
      calls.push(`on:${event}`)
      const set = listeners.get(event) ?? new Set()
      set.add(listener as (payload: never) => void)
      listeners.set(event, set)
      return () => {
        calls.push(`off:${event}`)
        set.delete(listener as (payload: never) => void)
      }
    }
  }
  return {
    api,
    calls,
    requests,
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) (listener as (p: typeof payload) => void)(payload)
    },
    listenerCount: (event) =>
      event ? (listeners.get(event)?.size ?? 0) : [...listeners.values()].reduce((n, set) => n + set.size, 0)
  }
}
