// Data-parallel training over worker threads. The wasm backend runs one thread per process, so
// a second core is only used by a second replica: each step the batch is split, every replica
// computes the gradient of its share, and all apply the same average.
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { WorkerSetup } from './gradientWorker'
import { receive } from '../../common/messages'
import { workerReplySchema, type WorkerReply, type WorkerRequest } from './gradientProtocol'
import type { LossValues, StepLoss } from './replica'
import type { RowGradients } from '../losses'

type Waiter = { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }

/** Replicas worth running here: one per core, at most four (beyond that the batch shares get small). */
export function defaultReplicaCount(): number {
  return Math.max(1, Math.min(4, availableParallelism()))
}

/**
 * The worker's entry. Built code starts gradientWorker.js directly. Run from .ts sources (tsx,
 * vitest) the worker needs tsx too, and a worker's `--import tsx` does not install its hooks on
 * Node 20, so a two-line bootstrap loads the source through tsx's API.
 */
function createWorker(workerData: WorkerSetup): Worker {
  // pathname: under tsx's tsImport (a job worker) the module URL carries a query after .ts
  if (!new URL(import.meta.url).pathname.endsWith('.ts'))
    return new Worker(new URL('./gradientWorker.js', import.meta.url), { workerData })
  const tsxApi = pathToFileURL(
    join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')
  ).href
  const source = new URL('./gradientWorker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`
  return new Worker(bootstrap, { eval: true, workerData })
}

class ReplicaThread {
  private readonly waiting: Waiter[] = []
  private failure: Error | null = null

  constructor(readonly worker: Worker) {
    worker.on('message', (message: unknown) => {
      const waiter = this.waiting.shift()
      if (!waiter) return
      const reply = receive('gradient worker reply', workerReplySchema, message)
      if (!reply.ok) waiter.reject(new Error(`training worker: ${reply.error}`))
      else if (reply.value.type === 'error') waiter.reject(new Error(`training worker: ${reply.value.message}`))
      else waiter.resolve(reply.value)
    })
    const fail = (error: Error): void => {
      this.failure = error
      this.waiting.splice(0).forEach((w) => w.reject(error))
    }
    worker.on('error', (error) => fail(new Error(`training worker crashed: ${error.message}`)))
    worker.on('exit', (code) => fail(new Error(`training worker exited (code ${code})`)))
  }

  /** The next reply (replies come in request order). */
  next(): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  send(request: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer)
  }
}

export class WorkerReplicas {
  private constructor(private readonly threads: ReplicaThread[]) {}

  /**
   * Starts `count` worker replicas. With `exchange`, batch norm runs over the whole batch: worker i
   * takes slot i + 1 of the buffer (slot 0 is the trainer's) and `weights[i + 1]` is its share.
   */
  static async start(
    count: number,
    setup: WorkerSetup,
    exchange?: { buffer: SharedArrayBuffer; weights: number[] }
  ): Promise<WorkerReplicas> {
    const threads = Array.from({ length: count }, (_, i) => {
      const spec = { ...setup.spec, samplingSeed: setup.spec.samplingSeed + i + 1 }
      const slot = exchange
        ? { exchange: { buffer: exchange.buffer, index: i + 1, replicas: count + 1, weight: exchange.weights[i + 1] } }
        : {}
      return new ReplicaThread(createWorker({ ...setup, spec, ...slot }))
    })
    const pool = new WorkerReplicas(threads)
    try {
      for (const thread of threads) {
        const reply = await thread.next()
        if (reply.type !== 'ready') throw new Error(`training worker sent ${reply.type} before it was ready`)
      }
    } catch (error) {
      await pool.close()
      throw error
    }
    return pool
  }

  get size(): number {
    return this.threads.length
  }

  /** Sends replica `i` its share (copied) and the batch's negatives, resolving with its loss values and flat gradient. */
  gradients(
    i: number,
    images: Float32Array,
    labels: Int32Array,
    stepLoss?: StepLoss,
    negatives?: Int32Array
  ): Promise<{ values: LossValues; flat: Float32Array; rows?: RowGradients }> {
    const thread = this.threads[i]
    const reply = thread.next()
    const imageCopy = images.slice()
    const labelCopy = labels.slice()
    thread.send({ type: 'gradients', images: imageCopy, labels: labelCopy, count: labels.length, stepLoss, negatives }, [
      imageCopy.buffer,
      labelCopy.buffer
    ])
    return reply.then((r) => {
      if (r.type !== 'gradients') throw new Error(`training worker answered ${r.type} to a gradient request`)
      return { values: r.values, flat: r.flat, rows: r.rows }
    })
  }

  /** Every replica applies the same averaged gradient (and, with a sparse head, the same merged row gradients). */
  apply(flat: Float32Array, lr: number, rows?: RowGradients): void {
    for (const thread of this.threads) thread.send({ type: 'apply', flat, lr, rows })
  }

  /** Every replica brings its sparse store up to date, as the trainer's does when it writes a checkpoint. */
  flush(): void {
    for (const thread of this.threads) thread.send({ type: 'flush' })
  }

  /**
   * Every replica takes a checkpoint's weights and optimizer state. The sampling generator stays
   * the trainer's (it draws every batch's negatives).
   */
  load(
    weights: ReadonlyMap<string, Float32Array>,
    state: ReadonlyMap<string, Float32Array>,
    scalars: Record<string, number>
  ): void {
    const { 'replica/samplingRng': _own, ...shared } = scalars
    for (const thread of this.threads)
      thread.send({ type: 'load', weights: new Map(weights), state: new Map(state), scalars: shared })
  }

  async weights(i: number): Promise<Float32Array> {
    const reply = this.threads[i].next()
    this.threads[i].send({ type: 'weights' })
    const r = await reply
    if (r.type !== 'weights') throw new Error(`training worker answered ${r.type} to a weights request`)
    return r.flat
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
  }
}
