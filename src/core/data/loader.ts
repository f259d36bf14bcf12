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
  /** The worker entry module in this folder (tests point it elsewhere to see a failed start). */
  workerEntry?: string
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
  if (worker.threadId === -1) return // already exited
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
  let stopping: Promise<void> | null = null

  // Decoding on this thread: the choice with no workers, and the fallback when workers die.
  let inline: DecodeContext | null = null
  const inlineContext = (): DecodeContext =>
    (inline ??= { reader: new ExampleReader(setup.store), size, channels: channels as 1 | 3, bad: new Set() })
  const runInline = (job: BatchJob): void => {
    const waiting = pending.get(job.position)
    if (waiting) fillBatch(job, inlineContext()).then(waiting.resolve, waiting.reject)
  }
  const workerSetup: LoaderWorkerSetup = { store: setup.store, size, channels: channels as 1 | 3 }
  type Slot = { worker: Worker; alive: boolean; jobs: Map<number, BatchJob> }
  const workers: Slot[] = []
  for (let i = 0; i < setup.workers; i++) {
    try {
      workers.push({ worker: startWorker(setup.workerEntry ?? 'loaderWorker', workerSetup), alive: true, jobs: new Map() })
    } catch (error) {
      setup.onProblem?.({
        path: 'data loader worker',
        problem: `cannot start: ${error instanceof Error ? error.message : String(error)}; decoding on this thread`
      })
    }
  }
  const failAll = (error: Error): void => {
    failure = failure ?? error
    for (const p of pending.values()) p.reject(failure)
  }
  // A worker that dies (failed start, crash, out of memory) does not stop training: its batches
  // are redone here, deterministically the same, and later ones go to the others.
  const lose = (slot: Slot, why: string): void => {
    if (!slot.alive || closed) return
    slot.alive = false
    setup.onProblem?.({ path: 'data loader worker', problem: `${why}; decoding continues without it` })
    for (const job of slot.jobs.values()) runInline(job)
    slot.jobs.clear()
  }
  for (const slot of workers) {
    slot.worker.on('message', (reply: LoaderReply) => {
      const at = reply.type === 'batch' ? reply.batch.position : reply.position
      slot.jobs.delete(at)
      const waiting = pending.get(at)
      if (reply.type === 'batch') waiting?.resolve(reply.batch)
      else waiting?.reject(new Error(reply.message))
    })
    slot.worker.on('error', (error) => lose(slot, `crashed: ${error.message}`))
    slot.worker.on('exit', (code) => lose(slot, `exited (code ${code})`))
  }

  const dispatch = (at: number): void => {
    const plan = planner(at)
    setup.onDispatch?.(at)
    epochs.set(at, plan.epoch)
    const job: BatchJob = { position: at, indices: plan.indices, seed, ...(augment ? { augment } : {}) }
    const waiting = deferred()
    pending.set(at, waiting)
    if (failure) return waiting.reject(failure)
    const alive = workers.filter((w) => w.alive)
    if (alive.length === 0) return runInline(job)
    const slot = alive.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a))
    slot.jobs.set(at, job)
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
    close(): Promise<void> {
      // Idempotent: the trainer and TrainingData.close() may both close a source, and a second
      // wait for an already-exited worker's 'exit' event would never end.
      if (!stopping) {
        closed = true
        failAll(new Error('the batch source is closed'))
        inline?.reader.close()
        stopping = Promise.all(workers.filter((w) => w.alive).map((w) => stopWorker(w.worker))).then(() => undefined)
      }
      return stopping
    }
  }
}
