// The head of D-Softmax-B/-K in training: the centres live in a CentreStore, not in a tf.Variable.
// A step plans its rows (the batch's classes and the negatives), copies just those rows into a
// small temporary variable, differentiates the loss through it (the embedding gradient flows as
// usual), and hands the rows' gradients back to the store, which updates only those rows.
import { tf } from '../tf'
import { CentreStore, type CentreStorage, type CentreStoreConfig, type RowGradients } from './centreStore'
import { createHeadWeights, isFastLoss, planRows, rowsLoss, type FastLossName, type HeadWeights, type RowPlan } from './head'
import type { LossName, LossParams, LossParts } from './types'

/** The store's own settings (the head hands them to its CentreStore) plus the centres' rate factor. */
export interface SparseHeadConfig extends CentreStoreConfig {
  /** The centres' learning rate is this × the scheduled rate (default 1). */
  lrFactor?: number
}

/** The parts of the training recipe's optimizer the centre head reads (structurally the trainer's config). */
export interface CentreOptimizerConfig {
  kind: string
  weightDecay: number
  momentum?: number
  nesterov?: boolean
  centres?: { lrFactor?: number; weightDecay?: number }
}

/** A fast loss's head: the store, and (only on request, for saving) a dense copy of it. */
export class SparseHead {
  readonly store: CentreStore
  private dense: tf.Tensor2D | null = null
  private denseAtStep = -1
  private readonly lrFactor: number

  constructor(config: SparseHeadConfig) {
    this.store = new CentreStore(config)
    this.lrFactor = config.lrFactor ?? 1
  }

  /** Plans a step's rows and copies them out (see gatherPlannedRows). */
  gather(
    name: FastLossName,
    params: LossParams,
    labels: ArrayLike<number>,
    rng: () => number,
    negatives?: ArrayLike<number>
  ): GatheredRows {
    return gatherPlannedRows(name, params, labels, this.store, rng, negatives)
  }

  /** One optimizer step of the centres at the scheduled rate `lr` (times the centres' factor). */
  update(gradients: RowGradients, lr: number): void {
    this.store.update(gradients, lr * this.lrFactor)
  }

  /**
   * Every centre as one [classes, dim] tensor, owned by the head (disposed with it). Reads the
   * whole store: for saving and export, never for a training step.
   */
  centresTensor(): tf.Tensor2D {
    if (this.dense && this.denseAtStep === this.store.step) return this.dense
    this.dense?.dispose()
    this.dense = tf.tensor2d(this.store.values(), [this.store.classes, this.store.dim])
    this.denseAtStep = this.store.step
    return this.dense
  }

  /**
   * The store as checkpoint tensors, streamed a block of rows at a time: the centres (in the
   * store's own precision, so float16 stays float16 on disk) and the momentum.
   */
  storeTensors(): { centres: StreamedTensor; momentum: StreamedTensor } {
    const { store } = this
    const shape = [store.classes, store.dim]
    return {
      centres: { name: 'head/centres', shape, dtype: store.storage, chunks: (max) => store.rowBlocks('centres', max) },
      momentum: { name: 'centreStore/momentum', shape, dtype: store.storage, chunks: (max) => store.rowBlocks('momentum', max) }
    }
  }

  dispose(): void {
    this.dense?.dispose()
    this.dense = null
  }
}

/** A tensor written block by block (the checkpoint writer's TensorSource, restated here: losses do not import train). */
export interface StreamedTensor {
  name: string
  shape: number[]
  dtype: CentreStorage
  chunks(maxValues: number): Iterable<Float32Array>
}

/** The head a trainer holds: dense weights, or the sparse store for D-Softmax-B/-K. */
export type TrainingHead = HeadWeights | SparseHead

/**
 * The trainer's head for `loss`: a SparseHead for D-Softmax-B/-K (no dense centre variable is
 * created at all), dense weights otherwise. The store implements SGD only; other optimizers are
 * refused for the fast losses rather than silently swapped.
 */
export function createTrainingHead(
  loss: LossName,
  classes: number,
  dim: number,
  seed: number,
  optimizer: CentreOptimizerConfig,
  storage: CentreStorage = 'float32'
): TrainingHead {
  if (!isFastLoss(loss)) return createHeadWeights(loss, classes, dim, seed)
  if (optimizer.kind !== 'sgd') {
    throw new Error(
      `${loss} keeps its class centres in a sparse store that updates with SGD (momentum, weight decay) only; ` +
        `optimizer "${optimizer.kind}" is not supported for it: use sgd, or the dense dsoftmax loss.`
    )
  }
  return new SparseHead({
    classes,
    dim,
    seed,
    storage,
    momentum: optimizer.momentum ?? 0,
    nesterov: optimizer.nesterov,
    weightDecay: optimizer.centres?.weightDecay ?? optimizer.weightDecay,
    lrFactor: optimizer.centres?.lrFactor
  })
}

/**
 * A dense head's tensors by the names checkpoints use. A sparse head has none: its store is
 * streamed (SparseHead.storeTensors), never copied into one dense tensor.
 */
export function headTensors(head: TrainingHead): { name: string; tensor: tf.Tensor }[] {
  if (head instanceof SparseHead) return []
  return [{ name: 'head/centres', tensor: head.centres }, ...(head.bias ? [{ name: 'head/bias', tensor: head.bias }] : [])]
}

/** One step's gathered rows: the plan and a temporary trainable variable holding W[plan.classes]. */
export interface GatheredRows {
  plan: RowPlan
  rows: tf.Variable
}

let gatherCount = 0

/**
 * Plans a step's rows for `labels` and copies them out of the store (dispose `rows` after the
 * step). `negatives`, when given, are the step's negative classes (drawn once for a whole batch
 * that data-parallel replicas share); otherwise planRows picks them.
 */
export function gatherPlannedRows(
  name: FastLossName,
  params: LossParams,
  labels: ArrayLike<number>,
  store: CentreStore,
  rng: () => number,
  negatives?: ArrayLike<number>
): GatheredRows {
  const plan = planRows(name, params, labels, store.classes, negatives, rng)
  const values = tf.tensor2d(store.gather(plan.classes), [plan.classes.length, store.dim])
  const rows = tf.variable(values, true, `head/rows-${gatherCount++}`)
  values.dispose()
  return { plan, rows }
}

/** The fast loss on `embeddings` over the gathered rows (differentiable w.r.t. both). */
export function gatheredLoss(name: FastLossName, params: LossParams, embeddings: tf.Tensor2D, gathered: GatheredRows): LossParts {
  return rowsLoss(name, params, embeddings, gathered.rows as tf.Tensor2D, gathered.plan)
}

/** The gradient of the gathered rows, as the store takes it (read with `await data()`: webgpu has no synchronous read). */
export async function rowGradients(plan: RowPlan, grad: tf.Tensor): Promise<RowGradients> {
  // data() hands back a fresh array of its own: no copy needed.
  return { classes: plan.classes.slice(), grads: (await grad.data()) as Float32Array }
}

/**
 * Σ_k weight_k · gradients_k over replicas, row by row: each replica's gradient is its share's
 * mean, so the weights (share / batch) make the result the whole batch's mean, like the dense
 * average. Rows come out ascending; every part must have the same row length.
 */
export function mergeRowGradients(parts: { gradients: RowGradients; weight: number }[]): RowGradients {
  const sized = parts.find((p) => p.gradients.classes.length > 0)
  const dim = sized ? sized.gradients.grads.length / sized.gradients.classes.length : 0
  const slot = new Map<number, number>()
  for (const { gradients } of parts) for (const c of gradients.classes) if (!slot.has(c)) slot.set(c, slot.size)
  const classes = Int32Array.from(slot.keys()).sort()
  classes.forEach((c, i) => slot.set(c, i))
  const grads = new Float32Array(classes.length * dim)
  for (const { gradients, weight } of parts) {
    if (gradients.grads.length !== gradients.classes.length * dim) {
      throw new Error(
        `row gradients: ${gradients.classes.length} rows need ${gradients.classes.length * dim} values, got ${gradients.grads.length}.`
      )
    }
    gradients.classes.forEach((c, r) => {
      const to = (slot.get(c) as number) * dim
      for (let j = 0; j < dim; j++) grads[to + j] += weight * gradients.grads[r * dim + j]
    })
  }
  return { classes, grads }
}
