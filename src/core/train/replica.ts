// One copy of the model being trained (backbone, class-centre head, optimizer state). The trainer
// owns one; data-parallel worker threads own one each, built from the same seed so that all copies
// start identical and stay identical by applying the same averaged gradient.
import { tf } from '../tf'
import { createHeadWeights, headLoss, type HeadWeights, type LossName, type LossParams } from '../losses'
import { applyStatUpdates, buildBackbone, type Backbone, type BackboneSpec, type StatUpdate } from '../models'
import { createRng, type Rng } from '../util/rng'
import { createOptimizer, type NamedTensor, type Optimizer, type OptimizerConfig, type OptimizerState } from './optimizer'

export interface ReplicaSpec {
  backbone: BackboneSpec
  loss: LossName
  lossParams: LossParams
  optimizer: OptimizerConfig
  classes: number
  /** Seed of the weight initialisation: the same for every replica. */
  seed: number
  /** Seed of the replica's own random choices (sampled negative classes): different per replica. */
  samplingSeed: number
}

/** Loss, intra-class part, inter-class part: batch means. */
export type LossValues = [number, number, number]

/** The loss a step uses when it differs from the spec's (Softmax warm-up, SphereFace λ annealing). */
export interface StepLoss {
  loss: LossName
  lossParams: LossParams
}

export class Replica {
  readonly backbone: Backbone
  readonly head: HeadWeights
  private readonly optimizer: Optimizer
  private readonly variables: tf.Variable[]
  private rng: Rng
  private readonly statUpdates: StatUpdate[] = []
  private optimizerDisposed = false

  constructor(readonly spec: ReplicaSpec) {
    this.backbone = buildBackbone(spec.backbone, createRng(spec.seed))
    this.head = createHeadWeights(spec.loss, spec.classes, this.backbone.embeddingDim, spec.seed + 1)
    const trainable = [
      ...this.backbone.params.filter((p) => p.trainable).map((p) => ({ name: p.name, variable: p.variable, decay: p.decay })),
      { name: 'head/centres', variable: this.head.centres, decay: true, group: 'centres' as const },
      ...(this.head.bias ? [{ name: 'head/bias', variable: this.head.bias, decay: false, group: 'centres' as const }] : [])
    ]
    this.optimizer = createOptimizer(spec.optimizer, trainable)
    this.variables = trainable.map((p) => p.variable)
    this.rng = createRng(spec.samplingSeed)
  }

  get parameterCount(): number {
    return this.variables.reduce((n, v) => n + v.size, 0)
  }

  /**
   * Loss values and gradients (in variable order, caller disposes) for the first `count` examples
   * of a filled batch buffer. Batch-norm running statistics are updated only when the loss is finite.
   */
  gradients(images: Float32Array, labels: Int32Array, count: number, stepLoss?: StepLoss): { values: LossValues; grads: tf.Tensor[] } {
    const [h, w, c] = this.spec.backbone.input
    const { loss, lossParams } = stepLoss ?? this.spec
    const result = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(0, count * h * w * c), [count, h, w, c])
      const y = tf.tensor1d(labels.subarray(0, count), 'int32')
      let split: tf.Scalar[] = []
      const { value, grads } = tf.variableGrads(() => {
        const embeddings = this.backbone.apply(x, { training: true, statUpdates: this.statUpdates })
        const parts = headLoss(loss, lossParams, embeddings, y, this.head, undefined, this.rng.next)
        split = [tf.keep(parts.intra), tf.keep(parts.inter)]
        return parts.loss
      }, this.variables)
      const values = [value, ...split].map((t) => t.dataSync()[0]) as LossValues
      split.forEach((t) => t.dispose())
      return { values, grads: this.variables.map((v) => tf.keep(grads[v.name])) }
    })
    if (result.values.every(Number.isFinite)) applyStatUpdates(this.statUpdates)
    else this.statUpdates.splice(0).forEach(([, t]) => t.dispose())
    return result
  }

  /** Gradient step on this replica alone. Returns the loss values; non-finite values change nothing. */
  step(images: Float32Array, labels: Int32Array, count: number, lr: number, stepLoss?: StepLoss): LossValues {
    const { values, grads } = this.gradients(images, labels, count, stepLoss)
    if (values.every(Number.isFinite)) this.optimizer.step(this.byName(grads), lr)
    grads.forEach((g) => g.dispose())
    return values
  }

  /** Gradients as one flat array in variable order (what crosses between threads). Disposes them. */
  flatten(grads: tf.Tensor[]): Float32Array {
    const flat = new Float32Array(this.parameterCount)
    let offset = 0
    for (const g of grads) {
      flat.set(g.dataSync() as Float32Array, offset)
      offset += g.size
      g.dispose()
    }
    return flat
  }

  /** Applies a flat gradient (e.g. the average over replicas). */
  applyFlat(flat: Float32Array, lr: number): void {
    const grads = tf.tidy(() => {
      let offset = 0
      return this.variables.map((v) => {
        const g = tf.tensor(flat.subarray(offset, offset + v.size), v.shape)
        offset += v.size
        return g
      })
    })
    this.optimizer.step(this.byName(grads), lr)
    grads.forEach((g) => g.dispose())
  }

  /** All trainable weights, flat, in variable order: to compare replicas. */
  flatWeights(): Float32Array {
    return this.flatten(this.variables.map((v) => v.clone()))
  }

  /** Every weight a checkpoint or an export needs, by its stable name (backbone params incl. batch-norm statistics, head). */
  namedWeights(): NamedTensor[] {
    return [
      ...this.backbone.params.map((p) => ({ name: p.name, tensor: p.variable as tf.Tensor })),
      { name: 'head/centres', tensor: this.head.centres },
      ...(this.head.bias ? [{ name: 'head/bias', tensor: this.head.bias as tf.Tensor }] : [])
    ]
  }

  /** Overwrites the weights from flat float32 arrays by name (a checkpoint); every weight must be present. */
  loadWeights(values: ReadonlyMap<string, Float32Array>): void {
    for (const { name, tensor } of this.namedWeights()) {
      const flat = values.get(name)
      if (!flat) throw new Error(`the checkpoint has no weight "${name}"`)
      if (flat.length !== tensor.size) throw new Error(`checkpoint weight "${name}" has ${flat.length} values, the model ${tensor.size}`)
      ;(tensor as tf.Variable).assign(tf.tensor(flat, tensor.shape))
    }
  }

  /** Optimizer state plus this replica's sampling generator, for checkpoints. */
  trainingState(): OptimizerState {
    const state = this.optimizer.state()
    return { tensors: state.tensors, scalars: { ...state.scalars, 'replica/samplingRng': this.rng.state() } }
  }

  loadTrainingState(tensors: ReadonlyMap<string, Float32Array>, scalars: Record<string, number>): void {
    this.optimizer.load(tensors, scalars)
    const rngState = scalars['replica/samplingRng']
    if (rngState !== undefined) this.rng = createRng(rngState)
  }

  /** Global gradient norm of the last update before clipping (NaN when clipping is off). */
  get lastGradNorm(): number {
    return this.optimizer.lastGradNorm
  }

  private byName(grads: tf.Tensor[]): Record<string, tf.Tensor> {
    return Object.fromEntries(this.variables.map((v, i) => [v.name, grads[i]]))
  }

  /** Releases the optimizer state; the backbone and head stay alive for whoever holds them. */
  disposeOptimizer(): void {
    if (this.optimizerDisposed) return
    this.optimizer.dispose()
    this.optimizerDisposed = true
  }

  dispose(): void {
    this.disposeOptimizer()
    this.backbone.dispose()
    this.head.centres.dispose()
    this.head.bias?.dispose()
  }
}
