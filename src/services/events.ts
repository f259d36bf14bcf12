import type { EventChannel, PayloadOf } from '../common/contract'

/** How a service pushes an event to every renderer of its host (IPC send, WebSocket broadcast). */
export type Emit = <E extends EventChannel>(event: E, payload: PayloadOf<E>) => void
