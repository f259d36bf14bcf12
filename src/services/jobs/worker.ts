/**
 * Entry of the job worker thread: runs the jobs it is sent, one at a time, reporting progress
 * and posting each result. It stays up between jobs, so tfjs and its backend load once.
 */
import { parentPort } from 'node:worker_threads'
import { runJob } from './jobs'
import type { JobKind, JobMessage } from './protocol'

const port = parentPort
if (!port) throw new Error('jobWorker must run as a worker thread')
const post = (id: number, message: JobMessage): void => port.postMessage({ id, ...message })
let queue: Promise<void> = Promise.resolve()
port.on('message', ({ id, kind, input }: { id: number; kind: JobKind; input: never }) => {
  queue = queue.then(() =>
    runJob(kind, input, (fraction, label) => post(id, { type: 'progress', fraction, ...(label ? { label } : {}) }))
      .then((value) => post(id, { type: 'result', value }))
      .catch((error: unknown) => post(id, { type: 'error', message: error instanceof Error ? error.message : String(error) }))
  )
})
