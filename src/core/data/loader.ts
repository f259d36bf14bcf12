// The streaming BatchSource for datasets on disk. Batches are planned from (seed, position) alone
// (batchPlan.ts), decoded and augmented ahead of the trainer by worker threads, at most `prefetch`
// batches in flight, and delivered strictly in order; restarting at `startAt` replays the same
// batches, augmentation included.
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import type { Batch, BatchSource, BatchSourceOptions } from './batches'
import { fillBatch, type BatchJob, type DecodeContext, type FilledBatch } from './batchFill'
import { balancedPlanner, shufflePlanner, type BatchPlanner } from './batchPlan'
import { ExampleReader, type ExampleStore } from './exampleStore'
import type { LoaderReply, LoaderWorkerSetup } from './loaderWorker'
import { startWorker } from './workerThread'

export interface StreamingSetup {
  store: ExampleStore
  labels: Int32Array
  classes: number
  /** [size, size, channels] the images are converted to. */
  shape: [number, number, number]
  /** Worker threads decoding ahead; 0 decodes on the calling thread (sharp still uses its pool). */
  workers: number
  /** Called with each image that had to be skipped (path and reason). */
  onProblem?: (problem: { path: string; problem: string }) => void
  /** Called when work on a batch position starts (lets tests see how far ahead the loader runs). */
  onDispatch?: (position: number) => void
}

export function defaultLoaderWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()))
}

type Pending = { resolve: (batch: FilledBatch) => void; reject: (error: Error) => void; promise: Promise<FilledBatch> }

function deferred(): Pending {
  let resolve!: Pending['resolve']
  let reject!: Pending['reject']
  const promise = new Promise<FilledBatch>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined) // rejections surface through next(), never as unhandled
  return { resolve, reject, promise }
}

/** Asks a worker to close its files and end; terminates it if it has not within a second. */
async function stopWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.postMessage('close')
  const timer = setTimeout(() => void worker.terminate(), 1000)
  await exited
  clearTimeout(timer)
}

export function streamingBatches(setup: StreamingSetup, options: BatchSourceOptions): BatchSource {
  const { batchSize, seed, augment } = options
  const examples = setup.labels.length
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a whole number ≥ 1, got ${batchSize}`)
  if (examples < batchSize) throw new Error(`the training set has ${examples} images, fewer than one batch of ${batchSize}`)
  const stepsPerEpoch = Math.floor(examples / batchSize)
  const [size, , channels] = setup.shape
  const planner: BatchPlanner =
    options.sampling === 'balanced'
      ? balancedPlanner(setup.labels, setup.classes, batchSize, seed, options.imagesPerIdentity ?? 4)
      : shufflePlanner(examples, batchSize, seed)
  const prefetch = Math.max(2, options.prefetch ?? 2 * Math.max(1, setup.workers))

  const pending = new Map<number, Pending>()
  const epochs = new Map<number, number>()
  let position = options.startAt ?? 0
  let scheduled = position
  let skipped = 0
  let failure: Error | null = null
  let closed = false

  const inline: DecodeContext | null = setup.workers > 0 ? null : { reader: new ExampleReader(setup.store), size, channels: channels as 1 | 3, bad: new Set() }
  const workerSetup: LoaderWorkerSetup = { store: setup.store, size, channels: channels as 1 | 3 }
  const workers: { worker: Worker; load: number }[] = Array.from({ length: setup.workers }, () => ({ worker: startWorker('loaderWorker', workerSetup), load: 0 }))
  const failAll = (error: Error): void => {
    failure = failure ?? error
    for (const p of pending.values()) p.reject(failure)
  }
  for (const slot of workers) {
    slot.worker.on('message', (reply: LoaderReply) => {
      slot.load--
      const waiting = pending.get(reply.type === 'batch' ? reply.batch.position : reply.position)
      if (reply.type === 'batch') waiting?.resolve(reply.batch)
      else waiting?.reject(new Error(reply.message))
    })
    slot.worker.on('error', (error) => failAll(new Error(`data loader worker crashed: ${error.message}`)))
    slot.worker.on('exit', (code) => {
      if (!closed) failAll(new Error(`data loader worker exited (code ${code})`))
    })
  }

  const dispatch = (at: number): void => {
    const plan = planner(at)
    setup.onDispatch?.(at)
    epochs.set(at, plan.epoch)
    const job: BatchJob = { position: at, indices: plan.indices, seed, ...(augment ? { augment } : {}) }
    const waiting = deferred()
    pending.set(at, waiting)
    if (failure) return waiting.reject(failure)
    if (inline) {
      fillBatch(job, inline).then(waiting.resolve, waiting.reject)
      return
    }
    const slot = workers.reduce((a, b) => (b.load < a.load ? b : a))
    slot.load++
    slot.worker.postMessage(job)
  }
  const fillWindow = (): void => {
    while (scheduled < position + prefetch) dispatch(scheduled++)
  }

  return {
    shape: setup.shape,
    classes: setup.classes,
    examples,
    batchSize,
    stepsPerEpoch,
    get position() {
      return position
    },
    async next(): Promise<Batch> {
      if (closed) throw new Error('the batch source is closed')
      fillWindow()
      const at = position
      const filled = await pending.get(at)!.promise
      pending.delete(at)
      const epoch = epochs.get(at)!
      epochs.delete(at)
      skipped += filled.skipped
      for (const problem of filled.problems) setup.onProblem?.(problem)
      position++
      fillWindow()
      const labels = Int32Array.from(filled.used, (index) => setup.labels[index])
      return { position: at, epoch, images: filled.images, labels, count: batchSize, skipped }
    },
    async close(): Promise<void> {
      closed = true
      failAll(new Error('the batch source is closed'))
      inline?.reader.close()
      await Promise.all(workers.map((w) => stopWorker(w.worker)))
    }
  }
}
