// One copy of the model being trained (backbone, class-centre head, optimizer state). The trainer
// owns one; data-parallel worker threads own one each, built from the same seed so that all copies
// start identical and stay identical by applying the same averaged gradient.
import { tf } from '../tf'
import {
  SparseHead,
  checkedLossParams,
  createTrainingHead,
  gatheredLoss,
  headLoss,
  headTensors,
  isFastLoss,
  rowGradients,
  sampleClasses,
  sampleSize,
  type GatheredRows,
  type LossName,
  type LossParams,
  type RowGradients,
  type TrainingHead,
  type CentreStorage
} from '../losses'
import {
  applyStatUpdates,
  buildBackbone,
  type Backbone,
  type BackboneSpec,
  type BatchStatsExchange,
  type StatUpdate
} from '../models'
import { createRng, type Rng } from '../util/rng'
import { createOptimizer, type NamedTensor, type Optimizer, type OptimizerConfig } from './optimizer'
import { restoreStoreRows, type CheckpointTensor } from './checkpoint'

export interface ReplicaSpec {
  backbone: BackboneSpec
  loss: LossName
  lossParams: LossParams
  optimizer: OptimizerConfig
  classes: number
  /** Seed of the weight initialisation: the same for every replica. */
  seed: number
  /**
   * Seed of the replica's own random choices (sampled negative classes). In data-parallel runs only
   * the trainer's replica draws: it draws once per batch and every replica uses that draw.
   */
  samplingSeed: number
  /** D-Softmax-B/-K: the centre store's storage (default float32). */
  centreStorage?: CentreStorage
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
  /** Dense centres, or for D-Softmax-B/-K a SparseHead whose store only the sampled rows of a step touch. */
  readonly head: TrainingHead
  private readonly optimizer: Optimizer
  private readonly variables: tf.Variable[]
  private rng: Rng
  private readonly statUpdates: StatUpdate[] = []
  private optimizerDisposed = false
  private exchange: BatchStatsExchange | undefined

  constructor(readonly spec: ReplicaSpec) {
    this.backbone = buildBackbone(spec.backbone, createRng(spec.seed))
    this.head = createTrainingHead(
      spec.loss,
      spec.classes,
      this.backbone.embeddingDim,
      spec.seed + 1,
      spec.optimizer,
      spec.centreStorage
    )
    // A sparse head's centres are updated by its store, not by this optimizer.
    const head = this.head instanceof SparseHead ? null : this.head
    const trainable = [
      ...this.backbone.params.filter((p) => p.trainable).map((p) => ({ name: p.name, variable: p.variable, decay: p.decay })),
      ...(head ? [{ name: 'head/centres', variable: head.centres, decay: true, group: 'centres' as const }] : []),
      ...(head?.bias ? [{ name: 'head/bias', variable: head.bias, decay: false, group: 'centres' as const }] : [])
    ]
    this.optimizer = createOptimizer(spec.optimizer, trainable)
    this.variables = trainable.map((p) => p.variable)
    this.rng = createRng(spec.samplingSeed)
  }

  get parameterCount(): number {
    return this.denseSize + (this.head instanceof SparseHead ? this.head.store.classes * this.head.store.dim : 0)
  }

  /** Data-parallel: batch norm takes the whole batch's moments through `exchange` (every replica joins one). */
  joinExchange(exchange: BatchStatsExchange): void {
    this.exchange = exchange
  }

  /**
   * The negative classes of a D-Softmax-B/-K step on the batch `labels`, drawn with this replica's
   * generator: -B the batch's distinct labels, -K a sample of the classes. Data-parallel runs draw
   * once per whole batch on the trainer's replica and hand the draw to every share, so each share
   * sees the negatives a single replica would. Undefined for dense heads.
   */
  drawNegatives(labels: ArrayLike<number>, stepLoss?: StepLoss): Int32Array | undefined {
    if (!(this.head instanceof SparseHead)) return undefined
    const { loss, lossParams } = stepLoss ?? this.spec
    const classes = this.head.store.classes
    if (loss === 'dsoftmax-b') return Int32Array.from(new Set(Array.from(labels))).sort()
    if (loss === 'dsoftmax-k')
      return sampleClasses(classes, sampleSize(checkedLossParams(loss, lossParams), classes), this.rng.next)
    return undefined
  }

  /** Values in a flat gradient: the tf variables (a sparse head's rows travel separately). */
  private get denseSize(): number {
    return this.variables.reduce((n, v) => n + v.size, 0)
  }

  /**
   * Loss values and gradients (in variable order, caller disposes) for the first `count` examples
   * of a filled batch buffer. Batch-norm running statistics are updated only when the loss is finite.
   * With a sparse head, `rows` holds the gradient of the centre rows the step gathered, and
   * `negatives` are the step's negative classes (drawn here when not given).
   */
  async gradients(
    images: Float32Array,
    labels: Int32Array,
    count: number,
    stepLoss?: StepLoss,
    negatives?: Int32Array
  ): Promise<{ values: LossValues; grads: tf.Tensor[]; rows?: RowGradients }> {
    const [h, w, c] = this.spec.backbone.input
    const { loss, lossParams } = stepLoss ?? this.spec
    const own = labels.subarray(0, count)
    const gathered = this.gatherRows(loss, lossParams, own, negatives ?? this.drawNegatives(own, stepLoss))
    const variables = gathered ? [...this.variables, gathered.rows] : this.variables
    const dense = this.head instanceof SparseHead ? null : this.head
    let result
    try {
      result = tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(0, count * h * w * c), [count, h, w, c])
        const y = tf.tensor1d(labels.subarray(0, count), 'int32')
        let split: tf.Scalar[] = []
        const { value, grads } = tf.variableGrads(() => {
          const embeddings = this.backbone.apply(x, { training: true, statUpdates: this.statUpdates, exchange: this.exchange })
          const parts = gathered
            ? gatheredLoss(loss as 'dsoftmax-b' | 'dsoftmax-k', lossParams, embeddings, gathered)
            : headLoss(loss, lossParams, embeddings, y, dense as Exclude<TrainingHead, SparseHead>, undefined, this.rng.next)
          split = [tf.keep(parts.intra), tf.keep(parts.inter)]
          return parts.loss
        }, variables)
        const rowGrad = gathered ? tf.keep(grads[gathered.rows.name]) : undefined
        // One stacked scalar triple: read below, outside tidy (device reads are awaited).
        const lossTriple = tf.keep(tf.stack([value, ...split]))
        split.forEach((t) => t.dispose())
        return { lossTriple, rowGrad, grads: this.variables.map((v) => tf.keep(grads[v.name])) }
      })
    } catch (error) {
      // Replicas waiting for this one's batch-norm sums give up instead of hanging.
      this.exchange?.fail()
      throw error
    } finally {
      gathered?.rows.dispose()
    }
    const { lossTriple, grads, rowGrad } = result
    const values = Array.from(await lossTriple.data()) as LossValues
    lossTriple.dispose()
    const rows = gathered && rowGrad ? await rowGradients(gathered.plan, rowGrad) : undefined
    rowGrad?.dispose()
    if (values.every(Number.isFinite)) applyStatUpdates(this.statUpdates)
    else this.statUpdates.splice(0).forEach(([, t]) => t.dispose())
    return { values, grads, rows }
  }

  /** Gradient step on this replica alone. Returns the loss values; non-finite values change nothing. */
  async step(images: Float32Array, labels: Int32Array, count: number, lr: number, stepLoss?: StepLoss): Promise<LossValues> {
    const { values, grads, rows } = await this.gradients(images, labels, count, stepLoss)
    if (values.every(Number.isFinite)) await this.update(grads, lr, rows)
    grads.forEach((g) => g.dispose())
    return values
  }

  /**
   * A sparse head's step: plans and copies out the rows `labels` need. Null for dense heads. The
   * sparse store has no dense matrix for another loss to use, so such a step loss is refused.
   */
  private gatherRows(
    loss: LossName,
    lossParams: LossParams,
    labels: Int32Array,
    negatives: Int32Array | undefined
  ): GatheredRows | null {
    if (!(this.head instanceof SparseHead)) return null
    if (!isFastLoss(loss)) {
      throw new Error(
        `${this.spec.loss} keeps its centres in a sparse store; a ${loss} step would need the whole centre matrix (no Softmax warm-up with the fast losses).`
      )
    }
    return this.head.gather(loss, lossParams, labels, this.rng.next, negatives)
  }

  /**
   * One optimizer step: the dense gradients and, with a sparse head, the centre rows. Clipping
   * measures the global norm over both (the rows are part of the model's gradient) and scales both
   * by the same factor.
   */
  private async update(grads: tf.Tensor[], lr: number, rows: RowGradients | undefined): Promise<void> {
    const clipNorm = this.spec.optimizer.clipNorm
    const rowSquares = rows && clipNorm ? rows.grads.reduce((sum, g) => sum + g * g, 0) : 0
    this.optimizer.step(this.byName(grads), lr, rowSquares)
    if (!rows) return
    if (clipNorm) {
      const norm = await this.optimizer.lastGradNorm()
      const scale = Math.min(1, clipNorm / Math.max(norm, 1e-30))
      if (scale < 1) rows = { classes: rows.classes, grads: rows.grads.map((g) => g * scale) }
    }
    this.applyRows(rows, lr)
  }

  /** Brings every row of a sparse store up to date, as a checkpoint does (replicas flush together to stay bit-identical). */
  flushCentres(): void {
    if (this.head instanceof SparseHead) this.head.store.flush()
  }

  /** Updates a sparse head's rows (the merged gradient of every replica, in data-parallel runs). */
  private applyRows(rows: RowGradients, lr: number): void {
    if (!(this.head instanceof SparseHead)) throw new Error('row gradients given to a replica with a dense head')
    this.head.update(rows, lr)
  }

  /** Gradients as one flat array in variable order (what crosses between threads). Disposes them. */
  async flatten(grads: tf.Tensor[]): Promise<Float32Array> {
    const flat = new Float32Array(this.denseSize)
    let offset = 0
    for (const g of grads) {
      flat.set((await g.data()) as Float32Array, offset)
      offset += g.size
      g.dispose()
    }
    return flat
  }

  /** Applies a flat gradient (e.g. the average over replicas) and, with a sparse head, the merged row gradients. */
  async applyFlat(flat: Float32Array, lr: number, rows?: RowGradients): Promise<void> {
    const grads = tf.tidy(() => {
      let offset = 0
      return this.variables.map((v) => {
        const g = tf.tensor(flat.subarray(offset, offset + v.size), v.shape)
        offset += v.size
        return g
      })
    })
    await this.update(grads, lr, rows)
    grads.forEach((g) => g.dispose())
  }

  /** All trainable weights, flat, in variable order (a sparse head's centres last): to compare replicas. */
  async flatWeights(): Promise<Float32Array> {
    const dense = await this.flatten(this.variables.map((v) => v.clone()))
    if (!(this.head instanceof SparseHead)) return dense
    const centres = this.head.store.values()
    const all = new Float32Array(dense.length + centres.length)
    all.set(dense)
    all.set(centres, dense.length)
    return all
  }

  /** Every weight a checkpoint or an export needs, by its stable name (backbone params incl. batch-norm statistics, head). */
  namedWeights(): NamedTensor[] {
    return [...this.backbone.params.map((p) => ({ name: p.name, tensor: p.variable as tf.Tensor })), ...headTensors(this.head)]
  }

  /** Overwrites the weights from flat float32 arrays by name (a checkpoint); every weight must be present. */
  loadWeights(values: ReadonlyMap<string, Float32Array>): void {
    for (const { name, tensor } of this.namedWeights()) {
      const flat = values.get(name)
      if (!flat) throw new Error(`the checkpoint has no weight "${name}"`)
      if (flat.length !== tensor.size)
        throw new Error(`checkpoint weight "${name}" has ${flat.length} values, the model ${tensor.size}`)
      ;(tensor as tf.Variable).assign(tf.tensor(flat, tensor.shape))
    }
    // A sparse store's centres stream in a block of rows at a time.
    if (this.head instanceof SparseHead) restoreStoreRows(this.head.store, 'centres', values, 'head/centres')
  }

  /** What a checkpoint stores as weights: namedWeights() plus a sparse store's centres, streamed. */
  checkpointWeights(): CheckpointTensor[] {
    return [...this.namedWeights(), ...(this.head instanceof SparseHead ? [this.head.storeTensors().centres] : [])]
  }

  /** Optimizer state plus this replica's sampling generator, for checkpoints. */
  trainingState(): { tensors: CheckpointTensor[]; scalars: Record<string, number> } {
    const state = this.optimizer.state()
    const scalars: Record<string, number> = { ...state.scalars, 'replica/samplingRng': this.rng.state() }
    const tensors: CheckpointTensor[] = [...state.tensors]
    if (this.head instanceof SparseHead) {
      // The sparse store's SGD state; its centres are saved with the weights (head/centres).
      tensors.push(this.head.storeTensors().momentum)
      scalars['centreStore/step'] = this.head.store.step
    }
    return { tensors, scalars }
  }

  /** Restores trainingState(); call after loadWeights (a sparse store takes its centres from there). */
  loadTrainingState(tensors: ReadonlyMap<string, Float32Array>, scalars: Record<string, number>): void {
    this.optimizer.load(tensors, scalars)
    const rngState = scalars['replica/samplingRng']
    if (rngState !== undefined) this.rng = createRng(rngState)
    if (this.head instanceof SparseHead) {
      const { store } = this.head
      const step = scalars['centreStore/step']
      if (!tensors.has('centreStore/momentum') || step === undefined)
        throw new Error('the checkpoint has no centre-store state (centreStore/momentum, centreStore/step)')
      restoreStoreRows(store, 'momentum', tensors, 'centreStore/momentum')
      store.restoreStep(step)
    }
  }

  /** Global gradient norm of the last update before clipping (NaN when clipping is off). */
  lastGradNorm(): Promise<number> {
    return this.optimizer.lastGradNorm()
  }

  /** True when no weight holds NaN or Inf (one device read for all of them). */
  async weightsFinite(): Promise<boolean> {
    // A sparse store is checked in place, row by row (no dense copy of it).
    if (this.head instanceof SparseHead && !this.head.store.allFinite()) return false
    const weights = this.namedWeights()
    const flags = tf.tidy(() => tf.stack(weights.map(({ tensor }) => tf.all(tf.isFinite(tensor)))))
    const all = (await flags.data()).every((f) => f === 1)
    flags.dispose()
    return all
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
    if (this.head instanceof SparseHead) this.head.dispose()
    else {
      this.head.centres.dispose()
      this.head.bias?.dispose()
    }
  }
}
