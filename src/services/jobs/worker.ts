/**
 * Entry of the job worker thread: runs the jobs it is sent, one at a time, reporting progress
 * and posting each result. It stays up between jobs, so tfjs and its backend load once. Engine
 * and data jobs are imported on first use, so a worker that only parses datasets never loads tfjs.
 */
import { parentPort } from 'node:worker_threads'
import { HostError } from '../../common/contract'
import { receive } from '../../common/messages'
import { jobRequestSchema, type DataJobKind, type EngineJobKind, type JobKind, type JobMessage, type Progress } from './protocol'

const port = parentPort
if (!port) throw new Error('jobWorker must run as a worker thread')
const post = (message: JobMessage): void => port.postMessage(message)

async function run(kind: JobKind, input: never, progress: Progress): Promise<unknown> {
  if (kind === 'inspect-dataset') return (await import('./dataJobs')).runDataJob(kind as DataJobKind, input, progress)
  return (await import('./jobs')).runJob(kind as EngineJobKind, input, progress)
}

let queue: Promise<void> = Promise.resolve()
port.on('message', (message: unknown) => {
  const request = receive('job request', jobRequestSchema, message)
  if (!request.ok) {
    // Answered under the message's id when it has one; otherwise no job waits for it.
    const id =
      typeof message === 'object' && message !== null && Number.isInteger((message as { id?: unknown }).id)
        ? (message as { id: number }).id
        : -1
    post({ id, type: 'error', message: request.error, code: 'bad-request' })
    return
  }
  const { id, kind } = request.value
  // The input's fields were checked by the host against the contract before it built the job.
  const input = request.value.input as never
  queue = queue.then(() =>
    run(kind, input, (fraction, label) => post({ id, type: 'progress', fraction, ...(label ? { label } : {}) }))
      .then((value) => post({ id, type: 'result', value }))
      .catch((error: unknown) =>
        post({
          id,
          type: 'error',
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof HostError ? { code: error.code } : {})
        })
      )
  )
})
