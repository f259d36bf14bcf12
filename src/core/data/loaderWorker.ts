// Worker-thread entry of the streaming loader: reads, decodes and augments the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads'
import { fillBatch, type BatchJob, type DecodeContext, type FilledBatch } from './batchFill'
import { ExampleReader, type ExampleStore } from './exampleStore'

export interface LoaderWorkerSetup {
  store: ExampleStore
  size: number
  channels: 1 | 3
}

export type LoaderReply = { type: 'batch'; batch: FilledBatch } | { type: 'error'; position: number; message: string }

function serve(): void {
  const port = parentPort
  if (!port) throw new Error('loaderWorker must run in a worker thread')
  const setup = workerData as LoaderWorkerSetup
  const ctx: DecodeContext = {
    reader: new ExampleReader(setup.store),
    size: setup.size,
    channels: setup.channels,
    bad: new Set()
  }
  port.on('message', (job: BatchJob | 'close') => {
    if (job === 'close') {
      // Close the .rec descriptor before the thread ends: descriptors belong to the process.
      ctx.reader.close()
      port.close()
      return
    }
    fillBatch(job, ctx).then(
      (batch) =>
        port.postMessage({ type: 'batch', batch } satisfies LoaderReply, [
          batch.images.buffer as ArrayBuffer,
          batch.used.buffer as ArrayBuffer
        ]),
      (error: unknown) =>
        port.postMessage({
          type: 'error',
          position: job.position,
          message: error instanceof Error ? error.message : String(error)
        } satisfies LoaderReply)
    )
  })
}

serve()
