// Worker-thread entry of data-parallel training: holds one replica, computes gradients on the
// share of each batch it is sent, and applies the averaged gradient the trainer sends back.
import { parentPort, workerData } from 'node:worker_threads'
import { initBackend, type BackendChoice } from '../backend'
import { Replica, type ReplicaSpec } from './replica'
import { ReplicaExchange } from './crossReplica'
import { receive } from '../../common/messages'
import { workerRequestSchema, type WorkerReply, type WorkerRequest } from './gradientProtocol'

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
  const exchange = setup.exchange
    ? new ReplicaExchange(setup.exchange.buffer, setup.exchange.index, setup.exchange.replicas, setup.exchange.weight)
    : undefined
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
          const { values, grads, rows } = await replica.gradients(
            request.images,
            request.labels,
            request.count,
            request.stepLoss,
            request.negatives
          )
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
  port.on('message', (message: unknown) => {
    const request = receive('gradient worker request', workerRequestSchema, message)
    if (!request.ok) {
      // The trainer waits for an answer to every gradients/weights request: it gets this one.
      post({ type: 'error', message: request.error })
      return
    }
    queue = queue.then(() => handle(request.value))
  })
  post({ type: 'ready' })
}

void serve()
