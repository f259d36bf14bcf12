// The whole recipe of a training run is the recipe schema's type (src/common/schemas/recipe.ts):
// the run folder's config.json is exactly this object (plus where and how it ran). Here are the
// engine's semantic checks of it, in words.
import { BACKBONE_NAMES, CENTRE_STORAGES, isOneOf, type ValidationMetric } from '../../common/names'
import type { TrainRecipe } from '../../common/schemas/recipe'
import { isFastLoss, unreadKnobs } from '../losses'
import { isBackboneName } from '../models/architectures'
import { validateSchedule } from './schedule'
import { validateOptimizerConfig } from './optimizer'

export type TrainConfig = TrainRecipe
export type { DivergencePolicy, LambdaAnnealing } from '../../common/schemas/recipe'
export type { ValidationMetric } from '../../common/names'

/**
 * Whether a higher or a lower value of each validation metric is better; keyed by the common list
 * of metrics, so a metric without a direction does not compile.
 */
export const METRIC_DIRECTIONS: Readonly<Record<ValidationMetric, 'higher' | 'lower'>> = {
  auc: 'higher',
  tenFold: 'higher',
  eer: 'lower'
}

/**
 * D-Softmax-B/-K keep their centres in a sparse store: its update is SGD only, and a Softmax step
 * would need the whole centre matrix (and a bias the store does not have).
 */
function sparseHeadProblems(config: TrainConfig): string[] {
  if (!isFastLoss(config.loss)) return []
  const problems: string[] = []
  if ((config.softmaxWarmupEpochs ?? 0) > 0) {
    problems.push(
      `${config.loss} cannot start with a Softmax warm-up: its centres live in a sparse store that a Softmax step (every centre, plus a bias) cannot use; drop the warm-up or use the dense dsoftmax loss`
    )
  }
  if (config.optimizer.kind !== 'sgd') {
    problems.push(
      `${config.loss} updates its sparse centre store with SGD only, not ${config.optimizer.kind}: use sgd, or the dense dsoftmax loss`
    )
  }
  return problems
}

export function validateTrainConfig(config: TrainConfig): string[] {
  const problems: string[] = []
  const positive = (value: number, name: string): void => {
    if (!(Number.isFinite(value) && value > 0)) problems.push(`${name} must be a positive number, got ${value}`)
  }
  const wholeAtLeast = (value: number | undefined, min: number, name: string): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min))
      problems.push(`${name} must be a whole number ≥ ${min}, got ${value}`)
  }
  if (!isBackboneName(config.backbone))
    problems.push(`backbone must be one of ${BACKBONE_NAMES.join(', ')}, got "${String(config.backbone)}"`)
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
  if (config.data?.test && config.dataset !== 'files')
    problems.push(
      `test pairs (data.test) go with your own data (dataset "files"); the ${config.dataset} dataset brings its own test split`
    )
  wholeAtLeast(config.validateEvery, 0, 'validation interval (epochs)')
  wholeAtLeast(config.validateEverySteps, 0, 'validation interval (steps)')
  wholeAtLeast(config.checkpointEverySteps, 0, 'checkpoint interval (steps)')
  wholeAtLeast(config.keepCheckpoints, 1, 'checkpoints kept')
  if (config.bestMetric !== undefined && !Object.hasOwn(METRIC_DIRECTIONS, config.bestMetric)) {
    problems.push(
      `best-checkpoint metric must be one of ${Object.keys(METRIC_DIRECTIONS).join(', ')}, got "${config.bestMetric}"`
    )
  }
  if (config.softmaxWarmupEpochs !== undefined && !(config.softmaxWarmupEpochs >= 0)) {
    problems.push(`Softmax warm-up must be ≥ 0 epochs, got ${config.softmaxWarmupEpochs}`)
  }
  problems.push(...sparseHeadProblems(config))
  const unread = unreadKnobs(config.loss, config.lossParams ?? {})
  if (unread.length > 0) {
    problems.push(
      `${config.loss} does not read ${unread.map((k) => `lossParams.${k}`).join(', ')}; remove ${unread.length > 1 ? 'them' : 'it'} (a recipe states only what shapes the run)`
    )
  }
  const annealing = config.lambdaAnnealing
  if (annealing) {
    if (config.loss !== 'sphereface') problems.push(`λ annealing applies to SphereFace only, not ${config.loss}`)
    if (!(annealing.base > 0 && annealing.gamma >= 0 && annealing.power >= 0 && annealing.min >= 0)) {
      problems.push(`λ annealing needs base > 0 and gamma, power, min ≥ 0, got ${JSON.stringify(annealing)}`)
    }
  }
  if (config.centreStorage !== undefined) {
    if (!isOneOf(CENTRE_STORAGES, config.centreStorage))
      problems.push(`centre storage must be one of ${CENTRE_STORAGES.join(', ')}, got "${config.centreStorage}"`)
    else if (config.centreStorage !== 'float32' && !isFastLoss(config.loss))
      problems.push(
        `${config.centreStorage} centre storage applies to the sparse store of dsoftmax-b and dsoftmax-k, not ${config.loss}`
      )
  }
  const divergence = config.divergence
  if (divergence) {
    if (!(divergence.lrBackoff > 0 && divergence.lrBackoff < 1))
      problems.push(`learning-rate back-off must be in (0, 1), got ${divergence.lrBackoff}`)
    wholeAtLeast(divergence.maxBackoffs, 1, 'back-offs allowed')
  }
  return problems
}
