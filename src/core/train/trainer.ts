// The training loop: seeded batches, one gradient step of backbone + head, schedules, progress
// events, periodic validation. Runs wherever the engine runs (CLI, trainer process, tests).
import { tf } from '../tf'
import type { HeadWeights } from '../losses'
import { backboneSpec, type Backbone } from '../models'
import type { BackendChoice } from '../backend'
import type { LabelledImageSet, PairSet } from '../data/imageSets'
import { createRng, shuffle } from '../util/rng'
import { learningRateAt } from './schedule'
import { validateTrainConfig, type TrainConfig } from './config'
import { evaluatePairs, type PairEvaluation } from './evaluate'
import { Replica, type LossValues, type ReplicaSpec } from './replica'
import { WorkerReplicas, defaultReplicaCount } from './dataParallel'

export interface StepEvent {
  type: 'step'
  step: number
  totalSteps: number
  epoch: number
  loss: number
  intra: number
  inter: number
  lr: number
  /** Wall time of this step, batch assembly included. */
  stepSeconds: number
  imagesPerSecond: number
  etaSeconds: number
}

export type TrainEvent =
  | { type: 'started'; totalSteps: number; stepsPerEpoch: number; examples: number; classes: number; parameters: number; macsPerImage: number; replicas: number }
  | StepEvent
  | { type: 'validation'; step: number; epoch: number; evaluation: PairEvaluation }
  | { type: 'finished'; steps: number; seconds: number; stopped: boolean }

export interface TrainHooks {
  onEvent?: (event: TrainEvent) => void
  /** Polled between steps; true ends the run after the current step. */
  shouldStop?: () => boolean
}

export interface TrainedModel {
  backbone: Backbone
  head: HeadWeights
  steps: number
  /** Data-parallel replicas the run used (1 = this thread only). */
  replicas: number
  dispose(): void
}

export class TrainingDivergedError extends Error {
  constructor(readonly step: number, what: string) {
    super(
      `training diverged at step ${step}: ${what}. What usually helps: a lower learning rate, ` +
        'a smaller scale s, or a few epochs of plain Softmax first.'
    )
  }
}

export interface TrainOptions {
  /** The backend in use: data-parallel replicas start on the same one. */
  backend?: BackendChoice
}

/** Replicas a run uses: as configured, or one per core on the single-threaded wasm/cpu backends. */
export function resolveReplicas(config: TrainConfig, backend: BackendChoice | undefined): number {
  if (config.replicas !== 'auto') return config.replicas
  return backend === 'wasm' || backend === 'cpu' ? defaultReplicaCount() : 1
}

export async function trainModel(
  config: TrainConfig,
  data: { train: LabelledImageSet; val?: PairSet },
  hooks: TrainHooks = {},
  options: TrainOptions = {}
): Promise<TrainedModel> {
  const problems = validateTrainConfig(config)
  if (problems.length > 0) throw new Error(`invalid training recipe: ${problems.join('; ')}`)
  const { train } = data
  const [h, w, c] = train.shape
  if (train.count < config.batchSize) {
    throw new Error(`the training set has ${train.count} images, fewer than one batch of ${config.batchSize}`)
  }
  const spec = backboneSpec(config.backbone, { embeddingDim: config.embeddingDim, inputSize: config.inputSize, channels: c })
  if (spec.input[0] !== h || spec.input[1] !== w) {
    throw new Error(`backbone ${config.backbone} expects ${spec.input[0]}×${spec.input[1]} input but the data is ${h}×${w}`)
  }
  const replicaSpec: ReplicaSpec = {
    backbone: spec,
    loss: config.loss,
    lossParams: config.lossParams,
    optimizer: config.optimizer,
    classes: train.classes,
    seed: config.seed,
    samplingSeed: config.seed + 2
  }
  // Worker replicas must compute exactly as this thread does: same backend.
  const backend = options.backend ?? (tf.getBackend() === 'tensorflow' ? 'node' : (tf.getBackend() as BackendChoice))
  const replicaCount = Math.min(resolveReplicas(config, backend), config.batchSize)
  const replica = new Replica(replicaSpec)
  let workers: WorkerReplicas | null = null
  const rng = createRng(config.seed + 3)

  const stepsPerEpoch = Math.floor(train.count / config.batchSize)
  const totalSteps = config.steps ?? Math.max(1, Math.round(config.epochs * stepsPerEpoch))
  const pixels = h * w * c
  const images = new Float32Array(config.batchSize * pixels)
  const labels = new Int32Array(config.batchSize)
  const order = Int32Array.from({ length: train.count }, (_, i) => i)
  // Share k of each batch goes to replica k (0 is this thread's); sizes differ by at most one.
  const shares = Array.from({ length: replicaCount }, (_, k) => Math.floor(config.batchSize / replicaCount) + (k < config.batchSize % replicaCount ? 1 : 0))
  const shareStart = shares.map((_, k) => shares.slice(0, k).reduce((a, b) => a + b, 0))

  const parallelStep = async (lr: number): Promise<LossValues> => {
    const pool = workers as WorkerReplicas
    const pending = shares.slice(1).map((size, k) =>
      pool.gradients(k, images.subarray(shareStart[k + 1] * pixels, (shareStart[k + 1] + size) * pixels), labels.subarray(shareStart[k + 1], shareStart[k + 1] + size))
    )
    const own = replica.gradients(images, labels, shares[0])
    const results = [{ values: own.values, flat: replica.flatten(own.grads) }, ...(await Promise.all(pending))]
    const values: LossValues = [0, 0, 0]
    const average = new Float32Array(results[0].flat.length)
    results.forEach((r, k) => {
      const weight = shares[k] / config.batchSize
      for (let j = 0; j < 3; j++) values[j] += weight * r.values[j]
      for (let j = 0; j < average.length; j++) average[j] += weight * r.flat[j]
    })
    if (values.every(Number.isFinite)) {
      replica.applyFlat(average, lr)
      pool.apply(average, lr)
    }
    return values
  }

  const started = performance.now()
  let throughput = 0
  let step = 0
  let stopped = false
  try {
    if (replicaCount > 1) workers = await WorkerReplicas.start(replicaCount - 1, { backend, spec: replicaSpec })
    hooks.onEvent?.({
      type: 'started',
      totalSteps,
      stepsPerEpoch,
      examples: train.count,
      classes: train.classes,
      parameters: replica.parameterCount,
      macsPerImage: replica.backbone.macsPerImage,
      replicas: replicaCount
    })
    for (; step < totalSteps; step++) {
      const epoch = Math.floor(step / stepsPerEpoch)
      const inEpoch = step % stepsPerEpoch
      if (inEpoch === 0) shuffle(order, rng)
      const stepStart = performance.now()
      for (let i = 0; i < config.batchSize; i++) {
        const index = order[inEpoch * config.batchSize + i]
        train.write(index, images, i * pixels, { augment: config.augment, rng })
        labels[i] = train.labels[index]
      }
      const lr = learningRateAt(config.schedule, config.optimizer.lr, step, totalSteps)
      const [loss, intra, inter] = workers ? await parallelStep(lr) : replica.step(images, labels, config.batchSize, lr)
      if (![loss, intra, inter].every(Number.isFinite)) throw new TrainingDivergedError(step + 1, `the loss became ${loss}`)
      const seconds = (performance.now() - stepStart) / 1000
      const instant = config.batchSize / seconds
      throughput = step === 0 ? instant : 0.9 * throughput + 0.1 * instant
      hooks.onEvent?.({
        type: 'step',
        step: step + 1,
        totalSteps,
        epoch: epoch + 1,
        loss,
        intra,
        inter,
        lr,
        stepSeconds: seconds,
        imagesPerSecond: throughput,
        etaSeconds: ((totalSteps - step - 1) * config.batchSize) / throughput
      })
      const epochDone = inEpoch === stepsPerEpoch - 1
      if (data.val && config.validateEvery > 0 && epochDone && (epoch + 1) % config.validateEvery === 0 && step + 1 < totalSteps) {
        hooks.onEvent?.({ type: 'validation', step: step + 1, epoch: epoch + 1, evaluation: evaluatePairs(replica.backbone, data.val, { flip: false }) })
      }
      if (hooks.shouldStop?.()) {
        stopped = true
        step++
        break
      }
    }
  } catch (error) {
    replica.dispose()
    throw error
  } finally {
    await workers?.close()
  }
  replica.disposeOptimizer()
  hooks.onEvent?.({ type: 'finished', steps: step, seconds: (performance.now() - started) / 1000, stopped })
  return {
    backbone: replica.backbone,
    head: replica.head,
    steps: step,
    replicas: replicaCount,
    dispose: () => replica.dispose()
  }
}

