/**
 * The renderer's side of Electron's preload bridge: `window.api` answers with envelopes (see
 * BridgeApi in src/common/contract.ts); here each one is opened, so a failure rejects with the
 * host's HostError, code included, exactly as over the web client.
 */
import { type BridgeApi, type ContractApi, createInvokers, openEnvelope } from '../../../common/contract'

export function openBridge(bridge: BridgeApi): ContractApi {
  const invoke = createInvokers(async (channel, args) => {
    const invoker = bridge.invoke[channel] as (...args: unknown[]) => Promise<unknown>
    return openEnvelope(channel, await invoker(...args))
  })
  return Object.freeze({ invoke, on: bridge.on })
}

/** Minimal structural check of a candidate `window.api` (the preload's object is frozen). */
export function isBridgeApi(value: unknown): value is BridgeApi {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as { invoke?: unknown; on?: unknown }
  return typeof candidate.on === 'function' && typeof candidate.invoke === 'object' && candidate.invoke !== null
}
