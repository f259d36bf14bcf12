import type { BridgeApi } from '../common/contract'

declare global {
  interface Window {
    /**
     * The bridge the preload exposes; the renderer opens its envelopes. Optional on purpose:
     * the renderer may run where no preload exists (a plain browser, tests) and must say so
     * instead of crashing.
     */
    readonly api?: BridgeApi
  }
}

export {}
