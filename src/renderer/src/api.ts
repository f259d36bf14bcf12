/**
 * The renderer's only door to its host. Stores receive an `Api` by injection, so the same
 * views run in Electron (window.api from the preload), in the web host (later) and in tests
 * (a fake) — nothing in the renderer touches ipcRenderer, fetch or Node.
 */
import { type InjectionKey, inject } from 'vue'
import type { ContractApi } from '../../common/contract'

export type Api = ContractApi

/** Provided by main.ts; `null` means "no host API here" and the UI says so. */
export const API_KEY: InjectionKey<Api | null> = Symbol('api')

/** The injected Api, or null when none was provided. */
export function useApi(): Api | null {
  return inject(API_KEY, null)
}
