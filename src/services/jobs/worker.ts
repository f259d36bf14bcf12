/** Entry of a job worker thread: runs the one job it was started for, reports progress, posts the result. */
import { parentPort, workerData } from 'node:worker_threads'
import { runJob } from './jobs'
import type { JobMessage } from './protocol'

const port = parentPort
if (!port) throw new Error('jobWorker must run as a worker thread')
const post = (message: JobMessage): void => port.postMessage(message)
const { kind, input } = workerData as { kind: Parameters<typeof runJob>[0]; input: never }
runJob(kind, input, (fraction, label) => post({ type: 'progress', fraction, ...(label ? { label } : {}) }))
  .then((value) => post({ type: 'result', value }))
  .catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
