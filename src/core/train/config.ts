// The whole recipe of a training run. Everything that affects the result is in here, and the
// run folder's config.json is exactly this object (plus where and how it ran).
import type { LossName, LossParams } from '../losses'
import type { BackboneName } from '../models'
import type { Augmentation } from '../data/imageSets'
import type { ScheduleConfig } from './schedule'
import type { SgdConfig } from './optimizer'

export interface TrainConfig {
  /** Preset the recipe started from, for the record. */
  preset: string
  /** 'fonts' is the bundled font-identity set; 'fonts-chars' labels the same glyphs by character. */
  dataset: 'fonts' | 'fonts-chars'
  backbone: BackboneName
  embeddingDim: number
  inputSize: number
  loss: LossName
  lossParams: LossParams
  optimizer: SgdConfig
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
   * 'auto' = one per core on the single-threaded wasm/cpu backends. Batch-norm statistics are per
   * share, so the count is part of the recipe.
   */
  replicas: number | 'auto'
  /** Validate on the val pairs every this many epochs (0 = only at the end). */
  validateEvery: number
  seed: number
}

export function validateTrainConfig(config: TrainConfig): string[] {
  const problems: string[] = []
  const positive = (value: number, name: string): void => {
    if (!(Number.isFinite(value) && value > 0)) problems.push(`${name} must be a positive number, got ${value}`)
  }
  positive(config.embeddingDim, 'embedding size')
  positive(config.batchSize, 'batch size')
  positive(config.optimizer.lr, 'learning rate')
  if (config.steps !== undefined) positive(config.steps, 'steps')
  else positive(config.epochs, 'epochs')
  if (!Number.isInteger(config.batchSize)) problems.push(`batch size must be an integer, got ${config.batchSize}`)
  if (config.optimizer.momentum < 0 || config.optimizer.momentum >= 1) {
    problems.push(`momentum must be in [0, 1), got ${config.optimizer.momentum}`)
  }
  if (config.optimizer.weightDecay < 0) problems.push(`weight decay must be ≥ 0, got ${config.optimizer.weightDecay}`)
  if (config.replicas !== 'auto' && !(Number.isInteger(config.replicas) && config.replicas >= 1)) {
    problems.push(`replicas must be 'auto' or a whole number ≥ 1, got ${config.replicas}`)
  }
  if (config.augment.shift < 0 || !Number.isInteger(config.augment.shift)) {
    problems.push(`shift augmentation must be a whole number of pixels ≥ 0, got ${config.augment.shift}`)
  }
  return problems
}
