/**
 * Entry of the job worker thread: runs the jobs it is sent, one at a time, reporting progress
 * and posting each result. It stays up between jobs, so tfjs and its backend load once. Engine
 * and data jobs are imported on first use, so a worker that only parses datasets never loads tfjs.
 */
import { parentPort } from 'node:worker_threads'
import { HostError } from '../../common/contract'
import type { DataJobKind, EngineJobKind, JobKind, JobMessage, Progress } from './protocol'

const port = parentPort
if (!port) throw new Error('jobWorker must run as a worker thread')
const post = (id: number, message: JobMessage): void => port.postMessage({ id, ...message })

async function run(kind: JobKind, input: never, progress: Progress): Promise<unknown> {
  if (kind === 'inspect-dataset') return (await import('./dataJobs')).runDataJob(kind as DataJobKind, input, progress)
  return (await import('./jobs')).runJob(kind as EngineJobKind, input, progress)
}

let queue: Promise<void> = Promise.resolve()
port.on('message', ({ id, kind, input }: { id: number; kind: JobKind; input: never }) => {
  queue = queue.then(() =>
    run(kind, input, (fraction, label) => post(id, { type: 'progress', fraction, ...(label ? { label } : {}) }))
      .then((value) => post(id, { type: 'result', value }))
      .catch((error: unknown) =>
        post(id, { type: 'error', message: error instanceof Error ? error.message : String(error), ...(error instanceof HostError ? { code: error.code } : {}) })
      )
  )
})
