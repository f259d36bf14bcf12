/** Runs one job in a fresh worker thread; a cancelled task terminates it. */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { HostError } from '../../common/contract'
import type { Task } from '../tasks'
import type { JobInputs, JobKind, JobMessage, JobOutputs } from './protocol'

/** The worker entry: built next to the main bundle (out/main/jobWorker.js), or the .ts source under tsx/vitest. */
function startJobWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./jobWorker.js', import.meta.url), { workerData })
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href
  const source = new URL('./worker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`
  return new Worker(bootstrap, { eval: true, workerData })
}

export type JobRunner = <K extends JobKind>(kind: K, input: JobInputs[K], task?: Task) => Promise<JobOutputs[K]>

export const runJobInWorker: JobRunner = (kind, input, task) =>
  new Promise((resolve, reject) => {
    const worker = startJobWorker({ kind, input })
    let done = false
    const finish = (fn: () => void): void => {
      if (done) return
      done = true
      task?.signal.removeEventListener('abort', abort)
      void worker.terminate()
      fn()
    }
    const abort = (): void => finish(() => reject(new HostError('cancelled', `${kind}: cancelled`)))
    if (task?.signal.aborted) return abort()
    task?.signal.addEventListener('abort', abort)
    worker.on('message', (message: JobMessage) => {
      if (message.type === 'progress') task?.progress(message.fraction, message.label)
      else if (message.type === 'result') finish(() => resolve(message.value as JobOutputs[typeof kind]))
      else finish(() => reject(new HostError('failed', message.message)))
    })
    worker.on('error', (error) => finish(() => reject(new HostError('failed', `${kind} failed: ${error.message}`))))
    worker.on('exit', (code) => finish(() => reject(new HostError('failed', `${kind}: the worker ended (code ${code}) without an answer`))))
  })
