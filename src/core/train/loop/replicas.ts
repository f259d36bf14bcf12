// This thread's replica and, in a data-parallel run, the worker replicas: one object the loop
// steps, restores and checkpoints, so the batch split and the averaging stay out of the loop.
import { mergeRowGradients, type RowGradients } from '../../losses'
import type { BackendChoice } from '../../backend'
import type { Batch } from '../../data/batches'
import { Replica, type LossValues, type ReplicaSpec, type StepLoss } from '../replica'
import { WorkerReplicas } from '../dataParallel'
import { ReplicaExchange, exchangeBuffer } from '../crossReplica'
import type { LoadedCheckpoint } from '../checkpoint'

/** A batch split over replicas: share k (0 is this thread's) holds `sizes[k]` examples from `starts[k]`. */
export interface BatchShares {
  sizes: number[]
  starts: number[]
}

/** Splits `batchSize` examples over `replicas` in order; sizes differ by at most one, the larger first. */
export function batchShares(batchSize: number, replicas: number): BatchShares {
  const sizes = Array.from({ length: replicas }, (_, k) => Math.floor(batchSize / replicas) + (k < batchSize % replicas ? 1 : 0))
  const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0))
  return { sizes, starts }
}

export class ReplicaGroup {
  private workers: WorkerReplicas | null = null
  private readonly shares: BatchShares

  constructor(
    /** This thread's replica: its weights are the run's (checkpoints, the trained model). */
    readonly own: Replica,
    /** Replicas in all, `own` included. */
    readonly count: number,
    private readonly backend: BackendChoice,
    private readonly spec: ReplicaSpec,
    private readonly batchSize: number,
    /** Floats per example, to cut a batch's images into shares. */
    private readonly pixels: number
  ) {
    this.shares = batchShares(batchSize, count)
  }

  /** Starts the `count - 1` worker replicas on `own`'s backend (none for a single replica). */
  async startWorkers(): Promise<void> {
    if (this.count <= 1) return
    // Batch norm over the whole batch: every replica adds its share's sums through one shared buffer.
    const buffer = exchangeBuffer(this.count)
    const weights = this.shares.sizes.map((size) => size / this.batchSize)
    this.own.joinExchange(new ReplicaExchange(buffer, 0, this.count, weights[0]))
    this.workers = await WorkerReplicas.start(this.count - 1, { backend: this.backend, spec: this.spec }, { buffer, weights })
  }

  /** One gradient step on `batch`; the weights change only when every loss value is finite. */
  step(batch: Batch, lr: number, stepLoss: StepLoss | undefined): Promise<LossValues> {
    if (!this.workers) return this.own.step(batch.images, batch.labels, batch.count, lr, stepLoss)
    return this.parallelStep(this.workers, batch.images, batch.labels, lr, stepLoss)
  }

  /** Every replica takes the checkpoint's weights and optimizer state. */
  load(checkpoint: LoadedCheckpoint): void {
    this.own.loadWeights(checkpoint.weights)
    this.own.loadTrainingState(checkpoint.state, checkpoint.meta.scalars)
    this.workers?.load(checkpoint.weights, checkpoint.state, checkpoint.meta.scalars)
  }

  /** The workers flush their sparse stores as `own`'s is flushed by a checkpoint write, keeping them equal. */
  flushWorkers(): void {
    this.workers?.flush()
  }

  async close(): Promise<void> {
    await this.workers?.close()
  }

  private async parallelStep(
    pool: WorkerReplicas,
    images: Float32Array,
    labels: Int32Array,
    lr: number,
    stepLoss: StepLoss | undefined
  ): Promise<LossValues> {
    const { sizes, starts } = this.shares
    const { own, batchSize, pixels } = this
    // A sparse head's negatives: one draw for the whole batch (its classes for -B), shared by every replica.
    const negatives = own.drawNegatives(labels.subarray(0, batchSize), stepLoss)
    const pending = sizes
      .slice(1)
      .map((size, k) =>
        pool.gradients(
          k,
          images.subarray(starts[k + 1] * pixels, (starts[k + 1] + size) * pixels),
          labels.subarray(starts[k + 1], starts[k + 1] + size),
          stepLoss,
          negatives
        )
      )
    const mine = await own.gradients(images, labels, sizes[0], stepLoss, negatives)
    const results = [
      { values: mine.values, flat: await own.flatten(mine.grads), rows: mine.rows },
      ...(await Promise.all(pending))
    ]
    const values: LossValues = [0, 0, 0]
    const average = new Float32Array(results[0].flat.length)
    results.forEach((r, k) => {
      const weight = sizes[k] / batchSize
      for (let j = 0; j < 3; j++) values[j] += weight * r.values[j]
      for (let j = 0; j < average.length; j++) average[j] += weight * r.flat[j]
    })
    // Sparse heads (D-Softmax-B/-K): the replicas' row gradients, merged with the same weights.
    const rows = mine.rows
      ? mergeRowGradients(results.map((r, k) => ({ gradients: r.rows as RowGradients, weight: sizes[k] / batchSize })))
      : undefined
    if (values.every(Number.isFinite)) {
      pool.apply(average, lr, rows)
      await own.applyFlat(average, lr, rows)
    }
    return values
  }
}
