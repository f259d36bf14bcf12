/**
 * Builds the `BridgeApi` the preload exposes from a transport (Electron's ipcRenderer in
 * the preload, a fake in tests). Invokers are generated from the contract's channel list,
 * so the renderer can reach exactly the contract's channels and nothing else.
 */
import {
  type BridgeApi,
  type EnvelopeInvokers,
  type EventChannel,
  type PayloadOf,
  type Unsubscribe,
  checkSubscription,
  createInvokers,
  isPayload
} from '../common/contract'

export interface Transport {
  /** Resolves with the host's envelope (src/common/envelope.ts). */
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  /** Subscribes to `channel`; the listener gets the payload only, never the IPC event. */
  subscribe(channel: string, listener: (payload: unknown) => void): Unsubscribe
}

export function createBridgeApi(transport: Transport): BridgeApi {
  // Envelopes pass through untouched: the renderer opens them (see BridgeApi).
  const invoke = createInvokers<EnvelopeInvokers>((channel, args) => transport.invoke(channel, ...args))

  function on<E extends EventChannel>(event: E, listener: (payload: PayloadOf<E>) => void): Unsubscribe {
    checkSubscription(event, listener)
    let active = true
    const unsubscribe = transport.subscribe(event, (payload) => {
      if (active && isPayload(event, payload)) listener(payload)
    })
    return () => {
      if (!active) return
      active = false
      unsubscribe()
    }
  }

  return Object.freeze({ invoke, on })
}
