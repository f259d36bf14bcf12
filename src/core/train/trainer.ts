// The training loop: seeded batches, one gradient step of backbone + head, schedules, progress
// events, periodic validation. Runs wherever the engine runs (CLI, trainer process, tests).
import { tf } from '../tf'
import { createHeadWeights, headLoss, type HeadWeights } from '../losses'
import { applyStatUpdates, backboneSpec, buildBackbone, type Backbone, type StatUpdate } from '../models'
import type { LossName, LossParams } from '../losses'
import type { Rng } from '../util/rng'
import type { LabelledImageSet, PairSet } from '../data/imageSets'
import { createRng, shuffle } from '../util/rng'
import { learningRateAt } from './schedule'
import { SgdOptimizer } from './optimizer'
import { validateTrainConfig, type TrainConfig } from './config'
import { evaluatePairs, type PairEvaluation } from './evaluate'

export interface StepEvent {
  type: 'step'
  step: number
  totalSteps: number
  epoch: number
  loss: number
  intra: number
  inter: number
  lr: number
  imagesPerSecond: number
  etaSeconds: number
}

export type TrainEvent =
  | { type: 'started'; totalSteps: number; stepsPerEpoch: number; examples: number; classes: number; parameters: number; macsPerImage: number }
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

export function trainModel(config: TrainConfig, data: { train: LabelledImageSet; val?: PairSet }, hooks: TrainHooks = {}): TrainedModel {
  const problems = validateTrainConfig(config)
  if (problems.length > 0) throw new Error(`invalid training recipe: ${problems.join('; ')}`)
  const { train } = data
  const [h, w, c] = train.shape
  if (train.count < config.batchSize) {
    throw new Error(`the training set has ${train.count} images, fewer than one batch of ${config.batchSize}`)
  }
  const rng = createRng(config.seed)
  const spec = backboneSpec(config.backbone, { embeddingDim: config.embeddingDim, inputSize: config.inputSize, channels: c })
  if (spec.input[0] !== h || spec.input[1] !== w) {
    throw new Error(`backbone ${config.backbone} expects ${spec.input[0]}×${spec.input[1]} input but the data is ${h}×${w}`)
  }
  const backbone = buildBackbone(spec, rng)
  const head = createHeadWeights(config.loss, train.classes, config.embeddingDim, config.seed + 1)
  const trainable = [
    ...backbone.params.filter((p) => p.trainable).map((p) => ({ name: p.name, variable: p.variable, decay: p.decay })),
    { name: 'head/centres', variable: head.centres, decay: true },
    ...(head.bias ? [{ name: 'head/bias', variable: head.bias, decay: false }] : [])
  ]
  const optimizer = new SgdOptimizer(config.optimizer, trainable)
  const trainStep = createTrainStep({ backbone, head, optimizer, loss: config.loss, lossParams: config.lossParams, batchSize: config.batchSize, rng })

  const stepsPerEpoch = Math.floor(train.count / config.batchSize)
  const totalSteps = config.steps ?? Math.max(1, Math.round(config.epochs * stepsPerEpoch))
  const parameters = trainable.reduce((n, p) => n + p.variable.size, 0)
  hooks.onEvent?.({ type: 'started', totalSteps, stepsPerEpoch, examples: train.count, classes: train.classes, parameters, macsPerImage: backbone.macsPerImage })

  const pixels = h * w * c
  const images = new Float32Array(config.batchSize * pixels)
  const labels = new Int32Array(config.batchSize)
  const order = Int32Array.from({ length: train.count }, (_, i) => i)
  const started = performance.now()
  let throughput = 0
  let step = 0
  let stopped = false

  const disposeModel = (): void => {
    backbone.dispose()
    head.centres.dispose()
    head.bias?.dispose()
  }
  try {
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
      const [loss, intra, inter] = trainStep(images, labels, lr)
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
        imagesPerSecond: throughput,
        etaSeconds: ((totalSteps - step - 1) * config.batchSize) / throughput
      })
      const epochDone = inEpoch === stepsPerEpoch - 1
      if (data.val && config.validateEvery > 0 && epochDone && (epoch + 1) % config.validateEvery === 0 && step + 1 < totalSteps) {
        hooks.onEvent?.({ type: 'validation', step: step + 1, epoch: epoch + 1, evaluation: evaluatePairs(backbone, data.val, { flip: false }) })
      }
      if (hooks.shouldStop?.()) {
        stopped = true
        step++
        break
      }
    }
  } catch (error) {
    optimizer.dispose()
    disposeModel()
    throw error
  }
  optimizer.dispose()
  hooks.onEvent?.({ type: 'finished', steps: step, seconds: (performance.now() - started) / 1000, stopped })
  return {
    backbone,
    head,
    steps: step,
    dispose: disposeModel
  }
}

export interface TrainStepParts {
  backbone: Backbone
  head: HeadWeights
  optimizer: SgdOptimizer
  loss: LossName
  lossParams: LossParams
  batchSize: number
  rng: Rng
}

/**
 * One optimisation step of backbone and head on a filled batch buffer (NHWC floats, int32
 * labels): returns [loss, intra, inter] as numbers. Shared by the trainer and the benchmarks.
 */
export function createTrainStep(parts: TrainStepParts): (images: Float32Array, labels: Int32Array, lr: number) => [number, number, number] {
  const { backbone, head, optimizer, batchSize, rng } = parts
  const [h, w, c] = backbone.spec.input
  const varList = [...backbone.params.filter((p) => p.trainable).map((p) => p.variable), head.centres, ...(head.bias ? [head.bias] : [])]
  const statUpdates: StatUpdate[] = []
  return (images, labels, lr) => {
    const values = tf.tidy(() => {
      const x = tf.tensor4d(images, [batchSize, h, w, c])
      const y = tf.tensor1d(labels, 'int32')
      let split: tf.Scalar[] = []
      const { value, grads } = tf.variableGrads(() => {
        const embeddings = backbone.apply(x, { training: true, statUpdates })
        const result = headLoss(parts.loss, parts.lossParams, embeddings, y, head, undefined, rng.next)
        split = [tf.keep(result.intra), tf.keep(result.inter)]
        return result.loss
      }, varList)
      const numbers = [value, ...split].map((t) => t.dataSync()[0]) as [number, number, number]
      split.forEach((t) => t.dispose())
      // A non-finite loss leaves the weights untouched so the last good state can still be saved.
      if (numbers.every(Number.isFinite)) optimizer.step(grads, lr)
      return numbers
    })
    if (values.every(Number.isFinite)) applyStatUpdates(statUpdates)
    else statUpdates.splice(0).forEach(([, t]) => t.dispose())
    return values
  }
}
