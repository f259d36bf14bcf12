// The training loop: a restartable batch stream, one gradient step of backbone + head, schedules,
// progress events, periodic validation with the best checkpoint kept, checkpoints, resume,
// pause/stop, and NaN/Inf handling. Runs wherever the engine runs (trainer process, CLI, tests).
import { tf } from '../tf'
import { mergeRowGradients, sphereFaceLambda, type RowGradients, type TrainingHead } from '../losses'
import { backboneSpec, type Backbone } from '../models'
import type { BackendChoice } from '../backend'
import type { LabelledImageSet, PairSet } from '../data/imageSets'
import { inMemoryBatches, type BatchSource } from '../data/batches'
import { learningRateAt } from './schedule'
import { VALIDATION_METRICS, validateTrainConfig, type TrainConfig, type ValidationMetric } from './config'
import { evaluatePairs, type PairEvaluation } from './evaluate'
import { Replica, type LossValues, type ReplicaSpec, type StepLoss } from './replica'
import { WorkerReplicas, defaultReplicaCount } from './dataParallel'
import { ReplicaExchange, exchangeBuffer } from './crossReplica'
import { stepOfName, type CheckpointMeta, type CheckpointStore, type CheckpointTensor, type LoadedCheckpoint } from './checkpoint'

import type { TrainingProgress } from '../../common/trainer'

/** One step done: the common progress payload (src/common/trainer.ts) plus the step's wall time. */
export type StepEvent = { type: 'step'; stepSeconds: number } & TrainingProgress

export type CheckpointReason = 'initial' | 'interval' | 'epoch' | 'validation' | 'stop' | 'end'

export type TrainEvent =
  | {
      type: 'started'
      totalSteps: number
      stepsPerEpoch: number
      examples: number
      classes: number
      parameters: number
      macsPerImage: number
      replicas: number
      /** Steps already done (0, or the checkpoint's step when resuming). */
      startStep: number
      resumedFrom?: string
    }
  | StepEvent
  | { type: 'validation'; step: number; epoch: number; evaluation: PairEvaluation; metric: ValidationMetric; value: number; best: boolean }
  | { type: 'checkpoint'; step: number; dir: string; reason: CheckpointReason; best: boolean; seconds: number }
  /** An epoch's last step is done (after its validation and checkpoint, if any). */
  | { type: 'epoch'; epoch: number; step: number }
  | { type: 'warning'; step: number; message: string }
  | { type: 'finished'; steps: number; seconds: number; stopped: boolean }

export interface TrainHooks {
  onEvent?: (event: TrainEvent) => void
  /** Polled between steps; true ends the run after the current step (with a checkpoint when a store is given). */
  shouldStop?: () => boolean
  /** Awaited before each step: a pause holds the loop here. */
  gate?: () => Promise<void> | void
}

export interface TrainedModel {
  backbone: Backbone
  /** Dense centres, or the sparse store of D-Softmax-B/-K (use weights() to save). */
  head: TrainingHead
  /** Every weight by its stable name, as checkpoints and exports store them (a sparse store streamed, not copied). */
  weights(): CheckpointTensor[]
  steps: number
  /** Data-parallel replicas the run used (1 = this thread only). */
  replicas: number
  stopped: boolean
  dispose(): void
}

export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    what: string,
    /** The checkpoint the run stopped at (the last one whose weights were finite), if any. */
    readonly lastGood?: { name: string; step: number }
  ) {
    const where = lastGood
      ? `Stopped; the last good checkpoint is ${lastGood.name} (step ${lastGood.step}), resume continues from it.`
      : 'Stopped; no checkpoint had been written yet.'
    super(
      `training diverged at step ${step}: ${what}. ${where} What usually helps: a lower learning rate, ` +
        'a smaller scale s, gradient clipping, or a few epochs of plain Softmax first.'
    )
    this.name = 'TrainingDivergedError'
  }
}

/** Makes the batch stream, starting at a batch position (0, or a checkpoint's). */
export type BatchSourceFactory = (startAt: number) => BatchSource

export interface TrainData {
  /** An in-memory set (batched here with the recipe's seed and augmentation) or a stream factory. */
  train: LabelledImageSet | BatchSourceFactory
  /** Validation pair sets (one or more, distinct names); config.bestSet names the one that picks best/. */
  val?: PairSet | PairSet[]
}

/** The validation sets of a run and the one whose metric picks the best checkpoint. */
function validationSets(config: TrainConfig, val: TrainData['val']): { sets: PairSet[]; chosen: string | undefined } {
  const sets = val === undefined ? [] : Array.isArray(val) ? val : [val]
  const names = sets.map((s) => s.name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined) throw new Error(`two validation sets are named "${twice}"; rename one file so each set's metrics can be told apart`)
  if (config.bestSet !== undefined && !names.includes(config.bestSet)) {
    throw new Error(`the best checkpoint is to be picked on validation set "${config.bestSet}", but the sets are: ${names.join(', ') || 'none'}`)
  }
  return { sets, chosen: config.bestSet ?? names[0] }
}

export interface TrainOptions {
  /** The backend in use: data-parallel replicas start on the same one. */
  backend?: BackendChoice
  /** Where checkpoints go; without one the run writes none. */
  checkpoints?: CheckpointStore
  /** Continue from this checkpoint: weights, optimizer state, RNG and loader position. */
  resume?: LoadedCheckpoint
  /** Replicas to use instead of resolving config.replicas here (a resume uses the count its run recorded). */
  replicas?: number
}

/** Whether a backbone's layers (nested blocks included) hold batch norm. */
function hasBatchNorm(layers: readonly { kind: string; body?: unknown; shortcut?: unknown }[]): boolean {
  return layers.some((l) => l.kind === 'bn' || (l.kind === 'residual' && (hasBatchNorm(l.body as typeof layers) || hasBatchNorm(l.shortcut as typeof layers))))
}

/** Replicas a run uses: as configured, or one per core on the single-threaded wasm/cpu backends. */
export function resolveReplicas(config: TrainConfig, backend: BackendChoice | undefined): number {
  if (config.replicas !== 'auto') return config.replicas
  return backend === 'wasm' || backend === 'cpu' ? defaultReplicaCount() : 1
}

/** The batch seed of a recipe: the stream is a pure function of (this, position). */
export const batchSeed = (config: TrainConfig): number => config.seed + 3

export function batchSourceFactory(config: TrainConfig, set: LabelledImageSet): BatchSourceFactory {
  return (startAt) => inMemoryBatches(set, { batchSize: config.batchSize, seed: batchSeed(config), augment: config.augment, startAt })
}

/** The loss of step `step`: Softmax during the warm-up, SphereFace with the annealed λ, else the recipe's. */
export function stepLossAt(config: TrainConfig, step: number, stepsPerEpoch: number): StepLoss | undefined {
  const warmupSteps = Math.round((config.softmaxWarmupEpochs ?? 0) * stepsPerEpoch)
  if (step < warmupSteps) return { loss: 'softmax', lossParams: {} }
  if (config.lambdaAnnealing && config.loss === 'sphereface') {
    return { loss: config.loss, lossParams: { ...config.lossParams, lambda: sphereFaceLambda(step, config.lambdaAnnealing) } }
  }
  return undefined
}

function metricValue(evaluation: PairEvaluation, metric: ValidationMetric): number {
  const r = evaluation.report
  return metric === 'tenFold' ? r.tenFold.mean : r[metric]
}

function improves(metric: ValidationMetric, value: number, best: number | undefined): boolean {
  if (!Number.isFinite(value)) return false
  if (best === undefined) return true
  return VALIDATION_METRICS[metric] === 'higher' ? value > best : value < best
}

export async function trainModel(config: TrainConfig, data: TrainData, hooks: TrainHooks = {}, options: TrainOptions = {}): Promise<TrainedModel> {
  const problems = validateTrainConfig(config)
  if (problems.length > 0) throw new Error(`invalid training recipe: ${problems.join('; ')}`)
  const makeSource = typeof data.train === 'function' ? data.train : batchSourceFactory(config, data.train)
  const resume = options.resume
  let source = makeSource(resume?.meta.position ?? 0)
  const [h, w, c] = source.shape
  const spec = backboneSpec(config.backbone, { embeddingDim: config.embeddingDim, inputSize: config.inputSize, channels: c })
  if (spec.input[0] !== h || spec.input[1] !== w) {
    await source.close()
    throw new Error(`backbone ${config.backbone} expects ${spec.input[0]}×${spec.input[1]} input but the data is ${h}×${w}`)
  }
  const replicaSpec: ReplicaSpec = {
    backbone: spec,
    loss: config.loss,
    lossParams: config.lossParams,
    optimizer: config.optimizer,
    classes: source.classes,
    seed: config.seed,
    samplingSeed: config.seed + 2,
    ...(config.centreStorage ? { centreStorage: config.centreStorage } : {})
  }
  // Worker replicas must compute exactly as this thread does: same backend.
  const backend = options.backend ?? (tf.getBackend() === 'tensorflow' ? 'node' : (tf.getBackend() as BackendChoice))
  const replicaCount = Math.min(options.replicas ?? resolveReplicas(config, backend), config.batchSize)
  // Whole-batch batch norm across replicas exchanges sums inside the step, which needs synchronous reads.
  if (replicaCount > 1 && backend === 'webgpu' && hasBatchNorm(spec.layers)) {
    await source.close()
    throw new Error(`data-parallel replicas exchange batch-norm sums inside the step, which the webgpu backend cannot read synchronously; use replicas: 1 on webgpu (it runs one replica on the whole GPU anyway)`)
  }
  const replica = new Replica(replicaSpec)
  let workers: WorkerReplicas | null = null
  const store = options.checkpoints
  const metric = config.bestMetric ?? 'auc'
  const validation = validationSets(config, data.val)

  const stepsPerEpoch = source.stepsPerEpoch
  const totalSteps = config.steps ?? Math.max(1, Math.round(config.epochs * stepsPerEpoch))
  // Share k of each batch goes to replica k (0 is this thread's); sizes differ by at most one.
  const shares = Array.from({ length: replicaCount }, (_, k) => Math.floor(config.batchSize / replicaCount) + (k < config.batchSize % replicaCount ? 1 : 0))
  const shareStart = shares.map((_, k) => shares.slice(0, k).reduce((a, b) => a + b, 0))
  const pixels = h * w * c

  const parallelStep = async (images: Float32Array, labels: Int32Array, lr: number, stepLoss: StepLoss | undefined): Promise<LossValues> => {
    const pool = workers as WorkerReplicas
    // A sparse head's negatives: one draw for the whole batch (its classes for -B), shared by every replica.
    const negatives = replica.drawNegatives(labels.subarray(0, config.batchSize), stepLoss)
    const pending = shares.slice(1).map((size, k) =>
      pool.gradients(
        k,
        images.subarray(shareStart[k + 1] * pixels, (shareStart[k + 1] + size) * pixels),
        labels.subarray(shareStart[k + 1], shareStart[k + 1] + size),
        stepLoss,
        negatives
      )
    )
    const own = await replica.gradients(images, labels, shares[0], stepLoss, negatives)
    const results = [{ values: own.values, flat: await replica.flatten(own.grads), rows: own.rows }, ...(await Promise.all(pending))]
    const values: LossValues = [0, 0, 0]
    const average = new Float32Array(results[0].flat.length)
    results.forEach((r, k) => {
      const weight = shares[k] / config.batchSize
      for (let j = 0; j < 3; j++) values[j] += weight * r.values[j]
      for (let j = 0; j < average.length; j++) average[j] += weight * r.flat[j]
    })
    // Sparse heads (D-Softmax-B/-K): the replicas' row gradients, merged with the same weights.
    const rows = own.rows ? mergeRowGradients(results.map((r, k) => ({ gradients: r.rows as RowGradients, weight: shares[k] / config.batchSize }))) : undefined
    if (values.every(Number.isFinite)) {
      pool.apply(average, lr, rows)
      await replica.applyFlat(average, lr, rows)
    }
    return values
  }

  // Run state that checkpoints carry besides the tensors.
  let step = 0
  let lrScale = 1
  let backoffs = 0
  let best: CheckpointMeta['best']
  let lastGood: { name: string; step: number } | undefined

  const restore = async (checkpoint: LoadedCheckpoint): Promise<void> => {
    replica.loadWeights(checkpoint.weights)
    replica.loadTrainingState(checkpoint.state, checkpoint.meta.scalars)
    workers?.load(checkpoint.weights, checkpoint.state, checkpoint.meta.scalars)
    step = checkpoint.meta.step
    lrScale = checkpoint.meta.lrScale
    backoffs = checkpoint.meta.backoffs
    best = checkpoint.meta.best
    lastGood = { name: checkpoint.name, step: checkpoint.meta.step }
    if (source.position !== checkpoint.meta.position) {
      await source.close()
      source = makeSource(checkpoint.meta.position)
    }
  }

  const writeCheckpoint = async (reason: CheckpointReason, extra: { metrics?: Record<string, number>; isBest?: boolean } = {}): Promise<void> => {
    if (!store) return
    if (!(await replica.weightsFinite())) throw new TrainingDivergedError(step, 'the weights hold NaN or Inf', lastGood)
    const started = performance.now()
    // The store's write flushes a sparse store; the workers' flush at the same step keeps them equal.
    workers?.flush()
    const dir = await store.write({
      step,
      position: source.position,
      lrScale,
      backoffs,
      best,
      metrics: extra.metrics,
      weights: replica.checkpointWeights(),
      state: replica.trainingState()
    })
    const name = dir.split(/[\\/]/).pop() as string
    if (extra.isBest) store.markBest(name)
    lastGood = { name, step }
    hooks.onEvent?.({ type: 'checkpoint', step, dir, reason, best: extra.isBest === true, seconds: (performance.now() - started) / 1000 })
  }

  /**
   * NaN/Inf at `atStep`: back off and continue from a checkpoint before it, or stop at the last good
   * one. Failing again right after the checkpoint the last back-off went to means that checkpoint
   * was already on its way out (finite but huge weights): then go one checkpoint further back.
   */
  let lastRestore: number | undefined
  const diverged = async (atStep: number, what: string): Promise<void> => {
    const policy = config.divergence
    if (!policy || !store || backoffs >= policy.maxBackoffs) throw new TrainingDivergedError(atStep, what, lastGood)
    const before = lastRestore !== undefined && atStep <= lastRestore + 1 ? lastRestore : atStep
    const name = store.stepNames().find((n) => stepOfName(n) < before)
    if (!name) throw new TrainingDivergedError(atStep, what, lastGood)
    const checkpoint = store.load(name)
    // The back-off outlives the restore (the checkpoint holds the scale from before it).
    const nextBackoffs = backoffs + 1
    const nextScale = lrScale * policy.lrBackoff
    await restore(checkpoint)
    backoffs = nextBackoffs
    lrScale = nextScale
    lastRestore = checkpoint.meta.step
    hooks.onEvent?.({
      type: 'warning',
      step: atStep,
      message: `${what} at step ${atStep}; went back to ${checkpoint.name} (step ${checkpoint.meta.step}) and multiplied the learning rate by ${policy.lrBackoff} (back-off ${backoffs} of ${policy.maxBackoffs})`
    })
  }

  const started = performance.now()
  let throughput = 0
  let measured = 0
  let stopped = false
  try {
    if (replicaCount > 1) {
      // Batch norm over the whole batch: every replica adds its share's sums through one shared buffer.
      const buffer = exchangeBuffer(replicaCount)
      const weights = shares.map((size) => size / config.batchSize)
      replica.joinExchange(new ReplicaExchange(buffer, 0, replicaCount, weights[0]))
      workers = await WorkerReplicas.start(replicaCount - 1, { backend, spec: replicaSpec }, { buffer, weights })
    }
    if (resume) await restore(resume)
    hooks.onEvent?.({
      type: 'started',
      totalSteps,
      stepsPerEpoch,
      examples: source.examples,
      classes: source.classes,
      parameters: replica.parameterCount,
      macsPerImage: replica.backbone.macsPerImage,
      replicas: replicaCount,
      startStep: step,
      ...(resume ? { resumedFrom: resume.name } : {})
    })
    // Back-off needs somewhere to go back to.
    if (config.divergence && store && !lastGood) await writeCheckpoint('initial')
    let firstStep = true
    while (step < totalSteps) {
      // Polled here, after the gate has let pending commands in: a stop that arrived during a
      // step ends the run before the next one starts.
      await hooks.gate?.()
      if (!firstStep && hooks.shouldStop?.()) {
        stopped = true
        if (lastGood?.step !== step) await writeCheckpoint('stop')
        break
      }
      firstStep = false
      const stepStart = performance.now()
      const batch = await source.next()
      const stepLoss = stepLossAt(config, step, stepsPerEpoch)
      const lr = learningRateAt(config.schedule, config.optimizer.lr, step, totalSteps) * lrScale
      const [loss, intra, inter] = workers
        ? await parallelStep(batch.images, batch.labels, lr, stepLoss)
        : await replica.step(batch.images, batch.labels, batch.count, lr, stepLoss)
      if (![loss, intra, inter].every(Number.isFinite)) {
        await diverged(step + 1, `the loss became ${loss}`)
        continue
      }
      step++
      const seconds = (performance.now() - stepStart) / 1000
      const instant = config.batchSize / seconds
      throughput = measured++ === 0 ? instant : 0.9 * throughput + 0.1 * instant
      hooks.onEvent?.({
        type: 'step',
        step,
        totalSteps,
        epoch: batch.epoch + 1,
        loss,
        intra,
        inter,
        lr,
        stepSeconds: seconds,
        imagesPerSecond: throughput,
        etaSeconds: ((totalSteps - step) * config.batchSize) / throughput
      })
      const epochDone = step % stepsPerEpoch === 0
      const epoch = Math.ceil(step / stepsPerEpoch)
      const validateNow =
        validation.sets.length > 0 &&
        ((config.validateEverySteps ?? 0) > 0
          ? step % (config.validateEverySteps as number) === 0
          : config.validateEvery > 0 && epochDone && epoch % config.validateEvery === 0)
      let checkpointed = false
      if (validateNow) {
        // Every set is measured; the chosen one's metric decides best/ (its figures are the unprefixed ones).
        const evaluations: PairEvaluation[] = []
        for (const set of validation.sets) evaluations.push(await evaluatePairs(replica.backbone, set, { flip: false }))
        const chosen = evaluations.find((e) => e.set === validation.chosen) as PairEvaluation
        const value = metricValue(chosen, metric)
        const isBest = improves(metric, value, best?.value)
        if (isBest) best = { metric, value, step }
        const metrics: Record<string, number> = {}
        for (const evaluation of evaluations) {
          const own = evaluation === chosen
          hooks.onEvent?.({ type: 'validation', step, epoch, evaluation, metric, value: metricValue(evaluation, metric), best: own && isBest })
          const r = evaluation.report
          const prefix = own ? '' : `${evaluation.set}/`
          Object.assign(metrics, { [`${prefix}auc`]: r.auc, [`${prefix}eer`]: r.eer, [`${prefix}tenFold`]: r.tenFold.mean })
        }
        await writeCheckpoint('validation', { metrics, isBest })
        checkpointed = store !== undefined
      }
      const every = config.checkpointEverySteps ?? 0
      if (!checkpointed && (every > 0 ? step % every === 0 : epochDone)) {
        await writeCheckpoint(every > 0 ? 'interval' : 'epoch')
        checkpointed = store !== undefined
      }
      if (!checkpointed && step === totalSteps) {
        await writeCheckpoint('end')
        checkpointed = store !== undefined
      }
      if (epochDone) hooks.onEvent?.({ type: 'epoch', epoch, step })
    }
  } catch (error) {
    replica.dispose()
    throw error
  } finally {
    await workers?.close()
    await source.close()
  }
  replica.disposeOptimizer()
  hooks.onEvent?.({ type: 'finished', steps: step, seconds: (performance.now() - started) / 1000, stopped })
  return {
    backbone: replica.backbone,
    head: replica.head,
    weights: () => replica.checkpointWeights(),
    steps: step,
    replicas: replicaCount,
    stopped,
    dispose: () => replica.dispose()
  }
}
