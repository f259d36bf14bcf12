/**
 * Builds the renderer-facing `ContractApi` from a transport (Electron's ipcRenderer in
 * the preload, a fake in tests). Invokers are generated from the contract's channel list,
 * so the renderer can reach exactly the contract's channels and nothing else.
 */
import {
  ContractError,
  type ContractApi,
  type EventChannel,
  type Invokers,
  type PayloadOf,
  REQUEST_CHANNELS,
  type Unsubscribe,
  isEventChannel,
  isPayload
} from '../common/contract'

export interface Transport {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  /** Subscribes to `channel`; the listener gets the payload only, never the IPC event. */
  subscribe(channel: string, listener: (payload: unknown) => void): Unsubscribe
}

export function createContractApi(transport: Transport): ContractApi {
  const invoke = Object.freeze(
    Object.fromEntries(
      REQUEST_CHANNELS.map((channel) => [channel, (...args: unknown[]) => transport.invoke(channel, ...args)])
    )
  ) as unknown as Invokers

  function on<E extends EventChannel>(event: E, listener: (payload: PayloadOf<E>) => void): Unsubscribe {
    // Checked at runtime too: the renderer is not trusted to respect the types.
    if (!isEventChannel(event)) throw new ContractError(String(event), 'not an event channel')
    if (typeof listener !== 'function') throw new ContractError(event, 'listener must be a function')
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
