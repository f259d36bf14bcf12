// The training loop: checks a recipe against its data, opens a run (batch stream, replicas), takes
// its steps with pause/stop and resume, and leaves progress, validation, checkpoints and NaN/Inf
// handling to the step-end hooks in loop/. Runs wherever the engine runs (trainer process, CLI, tests).
import { tf } from '../tf'
import { sphereFaceLambda, type TrainingHead } from '../losses'
import { backboneSpec, type Backbone } from '../models'
import type { BackendChoice } from '../backend'
import type { LabelledImageSet, PairSet } from '../data/imageSets'
import { inMemoryBatches, type BatchSource } from '../data/batches'
import { learningRateAt } from './schedule'
import { validateTrainConfig, type TrainConfig, type ValidationMetric } from './config'
import type { PairEvaluation } from './evaluate'
import { Replica, type ReplicaSpec, type StepLoss } from './replica'
import { defaultReplicaCount } from './dataParallel'
import type { CheckpointStore, CheckpointTensor, LoadedCheckpoint } from './checkpoint'
import { BatchStream, newRunState, restoreRun, type Run, type StepEnd, type StepEndHook } from './loop/state'
import { ReplicaGroup } from './loop/replicas'
import { Progress, epochEnd } from './loop/progress'
import { Validation, validationSets, type ValidationSets } from './loop/validation'
import { Checkpointer } from './loop/checkpointing'
import { DivergenceBackoff } from './loop/divergence'

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
  | {
      type: 'validation'
      step: number
      epoch: number
      evaluation: PairEvaluation
      metric: ValidationMetric
      value: number
      best: boolean
    }
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

// Defined with the back-off policy that throws it; exported here, where callers of trainModel look.
export { TrainingDivergedError } from './loop/divergence'

/** Makes the batch stream, starting at a batch position (0, or a checkpoint's). */
export type BatchSourceFactory = (startAt: number) => BatchSource

export interface TrainData {
  /** An in-memory set (batched here with the recipe's seed and augmentation) or a stream factory. */
  train: LabelledImageSet | BatchSourceFactory
  /** Validation pair sets (one or more, distinct names); config.bestSet names the one that picks best/. */
  val?: PairSet | PairSet[]
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
  return layers.some(
    (l) =>
      l.kind === 'bn' ||
      (l.kind === 'residual' && (hasBatchNorm(l.body as typeof layers) || hasBatchNorm(l.shortcut as typeof layers)))
  )
}

/** Replicas a run uses: as configured, or one per core on the single-threaded wasm/cpu backends. */
export function resolveReplicas(config: TrainConfig, backend: BackendChoice | undefined): number {
  if (config.replicas !== 'auto') return config.replicas
  return backend === 'wasm' || backend === 'cpu' ? defaultReplicaCount() : 1
}

/** The batch seed of a recipe: the stream is a pure function of (this, position). */
export const batchSeed = (config: TrainConfig): number => config.seed + 3

export function batchSourceFactory(config: TrainConfig, set: LabelledImageSet): BatchSourceFactory {
  return (startAt) =>
    inMemoryBatches(set, { batchSize: config.batchSize, seed: batchSeed(config), augment: config.augment, startAt })
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

/** Checks the recipe against the data and the backend and opens what a run holds; a refusal closes the stream again. */
async function openRun(
  config: TrainConfig,
  data: TrainData,
  hooks: TrainHooks,
  options: TrainOptions
): Promise<{ run: Run; validation: ValidationSets }> {
  const problems = validateTrainConfig(config)
  if (problems.length > 0) throw new Error(`invalid training recipe: ${problems.join('; ')}`)
  const makeSource = typeof data.train === 'function' ? data.train : batchSourceFactory(config, data.train)
  const source = makeSource(options.resume?.meta.position ?? 0)
  const [h, w, c] = source.shape
  const spec = backboneSpec(config.backbone, { embeddingDim: config.embeddingDim, inputSize: config.inputSize, channels: c })
  // Worker replicas must compute exactly as this thread does: same backend.
  const backend = options.backend ?? (tf.getBackend() === 'tensorflow' ? 'node' : (tf.getBackend() as BackendChoice))
  const replicaCount = Math.min(options.replicas ?? resolveReplicas(config, backend), config.batchSize)
  let validation: ValidationSets
  try {
    if (spec.input[0] !== h || spec.input[1] !== w)
      throw new Error(`backbone ${config.backbone} expects ${spec.input[0]}×${spec.input[1]} input but the data is ${h}×${w}`)
    // Whole-batch batch norm across replicas exchanges sums inside the step, which needs synchronous reads.
    if (replicaCount > 1 && backend === 'webgpu' && hasBatchNorm(spec.layers)) {
      throw new Error(
        `data-parallel replicas exchange batch-norm sums inside the step, which the webgpu backend cannot read synchronously; use replicas: 1 on webgpu (it runs one replica on the whole GPU anyway)`
      )
    }
    validation = validationSets(config, data.val)
  } catch (error) {
    await source.close()
    throw error
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
  const stepsPerEpoch = source.stepsPerEpoch
  const run: Run = {
    config,
    state: newRunState(),
    totalSteps: config.steps ?? Math.max(1, Math.round(config.epochs * stepsPerEpoch)),
    stepsPerEpoch,
    replicas: new ReplicaGroup(new Replica(replicaSpec), replicaCount, backend, replicaSpec, config.batchSize, h * w * c),
    stream: new BatchStream(makeSource, source),
    store: options.checkpoints,
    emit: (event) => hooks.onEvent?.(event)
  }
  return { run, validation }
}

/** One gradient step on the next batch, with the step's loss and learning rate (the counters are not moved). */
async function takeStep(run: Run): Promise<Omit<StepEnd, 'epoch' | 'epochDone'>> {
  const { config, state } = run
  const started = performance.now()
  const batch = await run.stream.source.next()
  const stepLoss = stepLossAt(config, state.step, run.stepsPerEpoch)
  const lr = learningRateAt(config.schedule, config.optimizer.lr, state.step, run.totalSteps) * state.lrScale
  const losses = await run.replicas.step(batch, lr, stepLoss)
  return { losses, lr, batchEpoch: batch.epoch + 1, seconds: (performance.now() - started) / 1000 }
}

/** Trains `config` on `data`. The loop only steps; what happens around a step lives in the step-end hooks (loop/). */
export async function trainModel(
  config: TrainConfig,
  data: TrainData,
  hooks: TrainHooks = {},
  options: TrainOptions = {}
): Promise<TrainedModel> {
  const { run, validation } = await openRun(config, data, hooks, options)
  const { state, replicas } = run
  const progress = new Progress(options.resume?.name)
  const checkpointer = new Checkpointer()
  const divergence = new DivergenceBackoff(checkpointer)
  // List order is call order: a validation step's checkpoint stands in for its scheduled one, and 'epoch' comes after both.
  const stepEndHooks: StepEndHook[] = [progress, new Validation(validation, checkpointer), checkpointer, divergence, epochEnd]
  try {
    await replicas.startWorkers()
    if (options.resume) await restoreRun(run, options.resume)
    for (const hook of stepEndHooks) await hook.onStart?.(run)
    let firstStep = true
    while (state.step < run.totalSteps) {
      // Polled here, after the gate has let pending commands in: a stop that arrived during a
      // step ends the run before the next one starts.
      await hooks.gate?.()
      if (!firstStep && hooks.shouldStop?.()) {
        state.stopped = true
        break
      }
      firstStep = false
      const taken = await takeStep(run)
      if (!taken.losses.every(Number.isFinite)) {
        await divergence.recover(run, state.step + 1, `the loss became ${taken.losses[0]}`)
        continue
      }
      state.step++
      const end: StepEnd = {
        ...taken,
        epoch: Math.ceil(state.step / run.stepsPerEpoch),
        epochDone: state.step % run.stepsPerEpoch === 0
      }
      for (const hook of stepEndHooks) await hook.onStepEnd?.(run, end)
    }
    for (const hook of stepEndHooks) await hook.onEnd?.(run)
  } catch (error) {
    replicas.own.dispose()
    throw error
  } finally {
    await replicas.close()
    await run.stream.source.close()
  }
  replicas.own.disposeOptimizer()
  progress.finished(run)
  return trainedModel(run)
}

/** The model a finished run hands back: this thread's replica, whose weights the checkpoints hold. */
function trainedModel(run: Run): TrainedModel {
  const model = run.replicas.own
  return {
    backbone: model.backbone,
    head: model.head,
    weights: () => model.checkpointWeights(),
    steps: run.state.step,
    replicas: run.replicas.count,
    stopped: run.state.stopped,
    dispose: () => model.dispose()
  }
}
