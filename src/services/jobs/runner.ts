/**
 * Runs engine jobs in one long-lived worker thread (tfjs loads once), one job at a time.
 * Cancelling a job terminates the worker; the next job starts a fresh one.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker, type ResourceLimits } from 'node:worker_threads'
import { HostError } from '../../common/contract'
import type { Task } from '../tasks'
import { receive } from '../../common/messages'
import { jobMessageSchema, type JobInputs, type JobKind, type JobOutputs, type JobRequest } from './protocol'

/** The worker entry: built next to the main bundle (out/main/jobWorker.js), or the .ts source under tsx/vitest. */
function startJobWorker(resourceLimits: ResourceLimits | undefined): Worker {
  const options = resourceLimits ? { resourceLimits } : {}
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./jobWorker.js', import.meta.url), options)
  const tsxApi = pathToFileURL(
    join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')
  ).href
  const source = new URL('./worker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`
  return new Worker(bootstrap, { eval: true, ...options })
}

export interface JobPoolOptions {
  /**
   * Caps on the worker's JavaScript heap. A job that would pass them ends its worker (and fails,
   * saying so) instead of growing the host process until the system kills it.
   */
  resourceLimits?: ResourceLimits
}

/** Why a worker stopped, in words: a memory cap reached is said as such. */
function workerFailure(error: Error & { code?: string }, limits: ResourceLimits | undefined): string {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const cap = limits?.maxOldGenerationSizeMb
    return `the job needed more memory than its worker may use${cap ? ` (${cap} MiB of JavaScript heap)` : ''}, so it was stopped`
  }
  return `the engine worker failed: ${error.message}`
}

export type JobRunner = <K extends JobKind>(kind: K, input: JobInputs[K], task?: Task) => Promise<JobOutputs[K]>

interface Pending {
  worker: Worker
  task?: Task
  resolve(value: unknown): void
  reject(error: Error): void
}

export interface JobPool {
  run: JobRunner
  /** Ends the worker (jobs in flight fail). */
  close(): Promise<void>
}

export function createJobPool(options: JobPoolOptions = {}): JobPool {
  let worker: Worker | null = null
  let nextId = 0
  const pending = new Map<number, Pending>()

  /** Fails the jobs of one worker (a terminated worker's exit must not touch its successor's jobs). */
  const failAll = (of: Worker, error: Error): void => {
    for (const [id, job] of pending) {
      if (job.worker !== of) continue
      pending.delete(id)
      job.reject(error)
    }
  }

  function ensureWorker(): Worker {
    if (worker) return worker
    const started = startJobWorker(options.resourceLimits)
    started.on('message', (raw: unknown) => {
      const received = receive('job worker message', jobMessageSchema, raw)
      if (!received.ok) {
        // No job can be matched to it; the worker is no longer trusted with the ones in flight.
        failAll(started, new HostError('failed', `the engine worker sent a ${received.error}`))
        return
      }
      const message = received.value
      const job = pending.get(message.id)
      if (!job) return
      if (message.type === 'progress') job.task?.progress(message.fraction, message.label)
      else {
        pending.delete(message.id)
        if (message.type === 'result') job.resolve(message.value)
        else job.reject(new HostError(message.code ?? 'failed', message.message))
      }
    })
    started.on('error', (error) => failAll(started, new HostError('failed', workerFailure(error, options.resourceLimits))))
    started.on('exit', (code) => {
      if (worker === started) worker = null
      failAll(started, new HostError('failed', `the engine worker ended (code ${code}) before answering`))
    })
    worker = started
    return started
  }

  const run: JobRunner = (kind, input, task) =>
    new Promise((resolve, reject) => {
      if (task?.signal.aborted) return reject(new HostError('cancelled', `${kind}: cancelled`))
      const id = ++nextId
      const current = ensureWorker()
      const onAbort = (): void => {
        if (!pending.has(id)) return
        pending.delete(id)
        reject(new HostError('cancelled', `${kind}: cancelled`))
        // The job cannot be interrupted inside the thread: end the thread (others in it fail too).
        if (worker === current) worker = null
        void current.terminate()
      }
      task?.signal.addEventListener('abort', onAbort, { once: true })
      pending.set(id, {
        worker: current,
        task,
        resolve: (value) => {
          task?.signal.removeEventListener('abort', onAbort)
          resolve(value as JobOutputs[typeof kind])
        },
        reject: (error) => {
          task?.signal.removeEventListener('abort', onAbort)
          reject(error)
        }
      })
      const request: JobRequest = { id, kind, input: input as JobRequest['input'] }
      current.postMessage(request)
    })

  return {
    run,
    async close() {
      const current = worker
      worker = null
      if (current) await current.terminate()
    }
  }
}
