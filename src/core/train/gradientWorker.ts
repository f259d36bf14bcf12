// Worker-thread entry of data-parallel training: holds one replica, computes gradients on the
// share of each batch it is sent, and applies the averaged gradient the trainer sends back.
import { parentPort, workerData } from 'node:worker_threads'
import { initBackend, type BackendChoice } from '../backend'
import type { RowGradients } from '../losses'
import { Replica, type ReplicaSpec, type StepLoss } from './replica'
import { ReplicaExchange } from './crossReplica'

export type WorkerRequest =
  /** `negatives`: a sparse head's negative classes, drawn once for the whole batch by the trainer. */
  | { type: 'gradients'; images: Float32Array; labels: Int32Array; count: number; stepLoss?: StepLoss; negatives?: Int32Array }
  /** Resume / back-off: weights and optimizer state from a checkpoint (by name, flat float32). */
  | { type: 'load'; weights: Map<string, Float32Array>; state: Map<string, Float32Array>; scalars: Record<string, number> }
  /** `rows`: a sparse head's merged row gradients (D-Softmax-B/-K), applied after the flat part. */
  | { type: 'apply'; flat: Float32Array; lr: number; rows?: RowGradients }
  | { type: 'weights' }
  /** A checkpoint flushed the trainer's sparse store: flush this one at the same step too. */
  | { type: 'flush' }

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'gradients'; values: [number, number, number]; flat: Float32Array; rows?: RowGradients }
  | { type: 'weights'; flat: Float32Array }
  | { type: 'error'; message: string }

/** This worker's place in the group's batch-norm exchange (see crossReplica.ts). */
export interface ExchangeSetup {
  buffer: SharedArrayBuffer
  index: number
  replicas: number
  weight: number
}

export interface WorkerSetup {
  backend: BackendChoice
  spec: ReplicaSpec
  exchange?: ExchangeSetup
}

async function serve(): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('gradientWorker must run in a worker thread')
  const setup = workerData as WorkerSetup
  const post = (reply: WorkerReply): void => {
    const transfer = 'flat' in reply ? [reply.flat.buffer as ArrayBuffer] : []
    port.postMessage(reply, transfer)
  }
  let replica: Replica
  const exchange = setup.exchange ? new ReplicaExchange(setup.exchange.buffer, setup.exchange.index, setup.exchange.replicas, setup.exchange.weight) : undefined
  try {
    await initBackend({ force: setup.backend })
    replica = new Replica(setup.spec)
    if (exchange) replica.joinExchange(exchange)
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) })
    return
  }
  const handle = async (request: WorkerRequest): Promise<void> => {
    try {
      switch (request.type) {
        case 'gradients': {
          const { values, grads, rows } = await replica.gradients(request.images, request.labels, request.count, request.stepLoss, request.negatives)
          post({ type: 'gradients', values, flat: await replica.flatten(grads), rows })
          break
        }
        case 'apply':
          await replica.applyFlat(request.flat, request.lr, request.rows)
          break
        case 'flush':
          replica.flushCentres()
          break
        case 'weights':
          post({ type: 'weights', flat: await replica.flatWeights() })
          break
        case 'load':
          replica.loadWeights(request.weights)
          replica.loadTrainingState(request.state, request.scalars)
          break
      }
    } catch (error) {
      // The trainer's replica may be waiting for this one's batch-norm sums.
      exchange?.fail()
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) })
    }
  }
  // Requests are handled one after another, in arrival order, although reads are awaited.
  let queue = Promise.resolve()
  port.on('message', (request: WorkerRequest) => {
    queue = queue.then(() => handle(request))
  })
  post({ type: 'ready' })
}

void serve()
