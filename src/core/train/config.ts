// The whole recipe of a training run. Everything that affects the result is in here, and the
// run folder's config.json is exactly this object (plus where and how it ran).
import { CENTRE_STORAGES, isFastLoss, unreadKnobs, type CentreStorage, type LossName, type LossParams } from '../losses'
import type { BackboneName } from '../models'
import type { Augmentation } from '../data/imageSets'
import { validateSchedule, type ScheduleConfig } from './schedule'
import { validateOptimizerConfig, type OptimizerConfig } from './optimizer'

/** Validation metrics a run can keep its best checkpoint by, and whether higher is better. */
export const VALIDATION_METRICS = { auc: 'higher', tenFold: 'higher', eer: 'lower' } as const
export type ValidationMetric = keyof typeof VALIDATION_METRICS

/** SphereFace's λ schedule: λ = max(min, base·(1 + gamma·step)^(−power)). */
export interface LambdaAnnealing {
  base: number
  gamma: number
  power: number
  min: number
}

export interface DivergencePolicy {
  /** On NaN/Inf: go back to the last good checkpoint and multiply the learning rate by this (0 < f < 1). */
  lrBackoff: number
  /** Give up (stop with the message) after this many back-offs. */
  maxBackoffs: number
}

export interface TrainConfig {
  /** Preset the recipe started from, for the record. */
  preset: string
  /** 'fonts' is the bundled font-identity set; 'fonts-chars' labels the same glyphs by character; 'files' reads `data`. */
  dataset: 'fonts' | 'fonts-chars' | 'files'
  /**
   * Training data (and optional validation pairs) on disk, when dataset is 'files'; `extraVal`
   * names further pair sets validated at the same steps as `val`. `test`: held-out pairs evaluated
   * once, on the final weights; never used to pick a checkpoint.
   */
  data?: { train: string; val?: string; extraVal?: string[]; test?: string }
  backbone: BackboneName
  embeddingDim: number
  inputSize: number
  loss: LossName
  lossParams: LossParams
  optimizer: OptimizerConfig
  schedule: ScheduleConfig
  batchSize: number
  /** Length of the run: whole epochs (may be fractional) unless `steps` is given. */
  epochs: number
  steps?: number
  augment: Augmentation
  /** Evaluate with flip-augmented embeddings as well (off for glyphs). */
  evalFlip: boolean
  /**
   * Data-parallel replicas (threads), each computing the gradient of an equal share of the batch;
   * 'auto' = one per core on the single-threaded wasm/cpu backends. The result does not depend on
   * the count beyond float rounding: batch norm takes the whole batch's moments across replicas and
   * sparse heads draw one set of negatives per batch. A resume reuses the count the run recorded.
   */
  replicas: number | 'auto'
  /** Validate on the val pairs every this many epochs (0 = only at the end). */
  validateEvery: number
  /** Validate every this many steps instead (takes precedence over validateEvery when > 0). */
  validateEverySteps?: number
  /** The metric that picks checkpoints/best (default auc). */
  bestMetric?: ValidationMetric
  /** The validation set (its name: the file name without extension) whose metric picks checkpoints/best; default the first. */
  bestSet?: string
  /** Write a checkpoint every this many steps (0/absent: at each epoch end); always at stop. */
  checkpointEverySteps?: number
  /** Step checkpoints kept besides the best (default 3). */
  keepCheckpoints?: number
  /** Train with plain Softmax (x·Wᵀ on the same centres) for this many epochs first. */
  softmaxWarmupEpochs?: number
  /** SphereFace only: anneal λ per step instead of using lossParams.lambda. */
  lambdaAnnealing?: LambdaAnnealing
  /** NaN/Inf handling: absent = stop at the last good checkpoint; set = back off and continue. */
  divergence?: DivergencePolicy
  /**
   * D-Softmax-B/-K: how the sparse centre store holds centres and momentum (default float32);
   * float16 halves their memory and checkpoint size, the arithmetic stays float32.
   */
  centreStorage?: CentreStorage
  seed: number
}

/**
 * D-Softmax-B/-K keep their centres in a sparse store: its update is SGD only, and a Softmax step
 * would need the whole centre matrix (and a bias the store does not have).
 */
function sparseHeadProblems(config: TrainConfig): string[] {
  if (!isFastLoss(config.loss)) return []
  const problems: string[] = []
  if ((config.softmaxWarmupEpochs ?? 0) > 0) {
    problems.push(`${config.loss} cannot start with a Softmax warm-up: its centres live in a sparse store that a Softmax step (every centre, plus a bias) cannot use; drop the warm-up or use the dense dsoftmax loss`)
  }
  if (config.optimizer.kind !== 'sgd') {
    problems.push(`${config.loss} updates its sparse centre store with SGD only, not ${config.optimizer.kind}: use sgd, or the dense dsoftmax loss`)
  }
  return problems
}

export function validateTrainConfig(config: TrainConfig): string[] {
  const problems: string[] = []
  const positive = (value: number, name: string): void => {
    if (!(Number.isFinite(value) && value > 0)) problems.push(`${name} must be a positive number, got ${value}`)
  }
  const wholeAtLeast = (value: number | undefined, min: number, name: string): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) problems.push(`${name} must be a whole number ≥ ${min}, got ${value}`)
  }
  positive(config.embeddingDim, 'embedding size')
  positive(config.batchSize, 'batch size')
  if (config.steps !== undefined) positive(config.steps, 'steps')
  else positive(config.epochs, 'epochs')
  if (!Number.isInteger(config.batchSize)) problems.push(`batch size must be an integer, got ${config.batchSize}`)
  problems.push(...validateOptimizerConfig(config.optimizer), ...validateSchedule(config.schedule))
  if (config.replicas !== 'auto' && !(Number.isInteger(config.replicas) && config.replicas >= 1)) {
    problems.push(`replicas must be 'auto' or a whole number ≥ 1, got ${config.replicas}`)
  }
  if (config.augment.shift < 0 || !Number.isInteger(config.augment.shift)) {
    problems.push(`shift augmentation must be a whole number of pixels ≥ 0, got ${config.augment.shift}`)
  }
  if (config.dataset === 'files' && !config.data?.train) problems.push('dataset "files" needs a training data path (--data PATH)')
  if (config.data?.extraVal?.length && !config.data.val) problems.push('further validation sets need a first one (data.val)')
  if (config.data?.test && config.dataset !== 'files') problems.push(`test pairs (data.test) go with your own data (dataset "files"); the ${config.dataset} dataset brings its own test split`)
  wholeAtLeast(config.validateEvery, 0, 'validation interval (epochs)')
  wholeAtLeast(config.validateEverySteps, 0, 'validation interval (steps)')
  wholeAtLeast(config.checkpointEverySteps, 0, 'checkpoint interval (steps)')
  wholeAtLeast(config.keepCheckpoints, 1, 'checkpoints kept')
  if (config.bestMetric !== undefined && !Object.hasOwn(VALIDATION_METRICS, config.bestMetric)) {
    problems.push(`best-checkpoint metric must be one of ${Object.keys(VALIDATION_METRICS).join(', ')}, got "${config.bestMetric}"`)
  }
  if (config.softmaxWarmupEpochs !== undefined && !(config.softmaxWarmupEpochs >= 0)) {
    problems.push(`Softmax warm-up must be ≥ 0 epochs, got ${config.softmaxWarmupEpochs}`)
  }
  problems.push(...sparseHeadProblems(config))
  const unread = unreadKnobs(config.loss, config.lossParams ?? {})
  if (unread.length > 0) {
    problems.push(`${config.loss} does not read ${unread.map((k) => `lossParams.${k}`).join(', ')}; remove ${unread.length > 1 ? 'them' : 'it'} (a recipe states only what shapes the run)`)
  }
  const annealing = config.lambdaAnnealing
  if (annealing) {
    if (config.loss !== 'sphereface') problems.push(`λ annealing applies to SphereFace only, not ${config.loss}`)
    if (!(annealing.base > 0 && annealing.gamma >= 0 && annealing.power >= 0 && annealing.min >= 0)) {
      problems.push(`λ annealing needs base > 0 and gamma, power, min ≥ 0, got ${JSON.stringify(annealing)}`)
    }
  }
  if (config.centreStorage !== undefined) {
    if (!(CENTRE_STORAGES as readonly string[]).includes(config.centreStorage)) problems.push(`centre storage must be one of ${CENTRE_STORAGES.join(', ')}, got "${config.centreStorage}"`)
    else if (config.centreStorage !== 'float32' && !isFastLoss(config.loss)) problems.push(`${config.centreStorage} centre storage applies to the sparse store of dsoftmax-b and dsoftmax-k, not ${config.loss}`)
  }
  const divergence = config.divergence
  if (divergence) {
    if (!(divergence.lrBackoff > 0 && divergence.lrBackoff < 1)) problems.push(`learning-rate back-off must be in (0, 1), got ${divergence.lrBackoff}`)
    wholeAtLeast(divergence.maxBackoffs, 1, 'back-offs allowed')
  }
  return problems
}
