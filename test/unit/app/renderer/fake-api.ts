import type { AppInfo, BackendReport } from '../../../../src/common/dto'
import type { EventChannel, PayloadOf } from '../../../../src/common/contract'
import type { Api } from '../../../../src/renderer/src/api'
import { FAKE_INFO, PROBED_REPORT } from '../fixtures'

export interface FakeApi {
  api: Api
  /** Every call the fake received, in order, e.g. `invoke:app:info`, `on:backend:report`. */
  calls: string[]
  /** Pushes an event to the current subscribers. */
  emit<E extends EventChannel>(event: E, payload: PayloadOf<E>): void
  listenerCount(): number
}

export function createFakeApi(options: { info?: AppInfo; backend?: BackendReport; fail?: string } = {}): FakeApi {
  const calls: string[] = []
  const listeners = new Map<string, Set<(payload: never) => void>>()
  const answer = <T>(value: T): Promise<T> => (options.fail ? Promise.reject(new Error(options.fail)) : Promise.resolve(value))
  const api: Api = {
    invoke: {
      'app:info': () => {
        calls.push('invoke:app:info')
        return answer(options.info ?? FAKE_INFO)
      },
      'backend:probe': () => {
        calls.push('invoke:backend:probe')
        return answer(options.backend ?? PROBED_REPORT)
      }
    },
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
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) (listener as (p: typeof payload) => void)(payload)
    },
    listenerCount: () => [...listeners.values()].reduce((n, set) => n + set.size, 0)
  }
}
