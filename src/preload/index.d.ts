import type { ContractApi } from '../common/contract'

declare global {
  interface Window {
    /**
     * The contract API exposed by the preload. Optional on purpose: the renderer may run
     * where no preload exists (a plain browser, tests) and must say so instead of crashing.
     */
    readonly api?: ContractApi
  }
}

export {}
