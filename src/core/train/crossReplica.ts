// Sums across data-parallel replicas in the middle of a step: batch norm needs the whole batch's
// moments in its forward pass and two whole-batch sums in its backward pass, and tfjs runs both
// synchronously. The replicas (the trainer's thread and the worker threads) share one
// SharedArrayBuffer: each writes its part into its own slot, waits at a barrier (Atomics), then
// every replica adds the slots up in the same order, so all of them hold bit-identical totals.
import type { BatchStatsExchange } from '../models'

/** Int32 control words: replicas arrived at the barrier, barrier generation, a replica failed. */
const ARRIVED = 0
const GENERATION = 1
const FAILED = 2
const CONTROL_BYTES = 16
/** Values one call may exchange per replica: batch norm sends at most 2 × channels + 1. */
export const MAX_EXCHANGE_VALUES = 8192
/** A replica that has not arrived by then has hung or died (a healthy one arrives within a layer's compute). */
const BARRIER_TIMEOUT_MS = 10 * 60 * 1000

/** The shared memory of a group of `replicas` replicas (give every member the same one). */
export function exchangeBuffer(replicas: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + 2 * replicas * MAX_EXCHANGE_VALUES * Float64Array.BYTES_PER_ELEMENT)
}

/** Whether this thread may block in Atomics.wait (Node's threads may; a browser's main thread may not). */
let canBlock = true

export class ReplicaExchange implements BatchStatsExchange {
  private readonly control: Int32Array
  private readonly slots: Float64Array
  /** Calls made so far: consecutive calls use alternate halves of the buffer (see sum). */
  private calls = 0

  constructor(
    buffer: SharedArrayBuffer,
    /** This replica's slot, 0 … replicas − 1. */
    private readonly index: number,
    private readonly replicas: number,
    /** This replica's share of the batch (its examples / the batch's). */
    readonly weight: number
  ) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4)
    this.slots = new Float64Array(buffer, CONTROL_BYTES, 2 * replicas * MAX_EXCHANGE_VALUES)
  }

  /**
   * Σ over replicas of `values`, added in replica order. Every replica must make the same calls in
   * the same order. One barrier per call suffices because calls alternate between two halves: a
   * replica can only write call c + 2's half after every replica has reached call c + 1, that is,
   * after each has finished reading call c.
   */
  sum(values: ArrayLike<number>): Float64Array {
    if (values.length > MAX_EXCHANGE_VALUES)
      throw new Error(`cross-replica sum of ${values.length} values; at most ${MAX_EXCHANGE_VALUES} fit`)
    const half = (this.calls++ % 2) * this.replicas * MAX_EXCHANGE_VALUES
    const own = half + this.index * MAX_EXCHANGE_VALUES
    for (let i = 0; i < values.length; i++) this.slots[own + i] = values[i]
    this.barrier()
    const total = new Float64Array(values.length)
    for (let r = 0; r < this.replicas; r++) {
      const slot = half + r * MAX_EXCHANGE_VALUES
      for (let i = 0; i < values.length; i++) total[i] += this.slots[slot + i]
    }
    return total
  }

  /** Marks the group failed: replicas waiting at (or arriving at) a barrier throw instead of hanging. */
  fail(): void {
    Atomics.store(this.control, FAILED, 1)
    Atomics.notify(this.control, GENERATION)
  }

  private barrier(): void {
    const c = this.control
    const generation = Atomics.load(c, GENERATION)
    if (Atomics.add(c, ARRIVED, 1) === this.replicas - 1) {
      Atomics.store(c, ARRIVED, 0)
      Atomics.add(c, GENERATION, 1)
      Atomics.notify(c, GENERATION)
      return
    }
    const deadline = Date.now() + BARRIER_TIMEOUT_MS
    while (Atomics.load(c, GENERATION) === generation) {
      if (Atomics.load(c, FAILED) !== 0) throw new Error('another data-parallel replica failed during this step')
      if (Date.now() > deadline)
        throw new Error('a data-parallel replica did not reach the batch-norm exchange within 10 minutes')
      if (canBlock) {
        try {
          Atomics.wait(c, GENERATION, generation, 1000)
        } catch {
          // A host whose main thread may not block (a browser's) polls instead.
          canBlock = false
        }
      }
    }
  }
}
