/**
 * Immediate checks of the New-run form, field by field, so a wrong value is refused next to
 * its field with the reason before anything is sent. The host re-checks the whole recipe
 * (training:validate) with the engine's own rules; these only mirror the obvious ones.
 */
import type { TrainRecipe } from '../../../common/contract'

export type FieldProblems = Partial<Record<string, string>>

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

export function checkRecipeFields(recipe: TrainRecipe): FieldProblems {
  const problems: FieldProblems = {}
  const need = (field: string, ok: boolean, reason: string): void => {
    if (!ok && problems[field] === undefined) problems[field] = reason
  }
  need(
    'embeddingDim',
    isWhole(recipe.embeddingDim) && recipe.embeddingDim >= 2 && recipe.embeddingDim <= 4096,
    'Embedding size must be a whole number from 2 to 4096.'
  )
  need(
    'inputSize',
    isWhole(recipe.inputSize) && recipe.inputSize >= 16 && recipe.inputSize <= 512,
    'Input size must be a whole number of pixels from 16 to 512.'
  )
  need(
    'batchSize',
    isWhole(recipe.batchSize) && recipe.batchSize >= 2,
    'Batch size must be a whole number ≥ 2 (the loss needs other samples).'
  )
  if (recipe.steps !== undefined)
    need('steps', isWhole(recipe.steps) && recipe.steps >= 1, 'Steps must be a whole number ≥ 1 (or empty to train by epochs).')
  else
    need('epochs', isNum(recipe.epochs) && recipe.epochs > 0, 'Epochs must be a positive number (fractions allowed, e.g. 0.5).')
  need(
    'optimizer.lr',
    isNum(recipe.optimizer.lr) && recipe.optimizer.lr > 0 && recipe.optimizer.lr <= 10,
    'Learning rate must be a positive number (typically 0.001–0.1).'
  )
  need(
    'optimizer.weightDecay',
    isNum(recipe.optimizer.weightDecay) && recipe.optimizer.weightDecay >= 0,
    'Weight decay must be ≥ 0 (typically 5e-4).'
  )
  if (recipe.optimizer.kind === 'sgd') {
    need(
      'optimizer.momentum',
      isNum(recipe.optimizer.momentum) && recipe.optimizer.momentum >= 0 && recipe.optimizer.momentum < 1,
      'Momentum must be in [0, 1) (typically 0.9).'
    )
  }
  need('augment.shift', isWhole(recipe.augment.shift) && recipe.augment.shift >= 0, 'Shift must be a whole number of pixels ≥ 0.')
  const warmup = recipe.schedule.warmupSteps ?? 0
  need('schedule.warmupSteps', isWhole(warmup) && warmup >= 0, 'Warm-up must be a whole number of steps ≥ 0.')
  if (recipe.dataset === 'files')
    need('data.train', Boolean(recipe.data?.train), 'Pick the training data (a dataset added on the Datasets page).')

  const p = recipe.lossParams
  const knob = (name: keyof typeof p, ok: boolean, reason: string): void => need(`lossParams.${name}`, ok, reason)
  const loss = recipe.loss
  if (loss !== 'softmax') knob('s', isNum(p.s) && p.s > 0, 'Scale s must be a positive number (typically 30–64, ~10 in 3-D).')
  if (loss.startsWith('dsoftmax'))
    knob('d', isNum(p.d) && p.d > 0 && p.d < 1, 'd must lie strictly between 0 and 1 (typically 0.9).')
  if (loss === 'arcface')
    knob(
      'm',
      isNum(p.m) && p.m >= 0 && p.m < Math.PI / 2,
      'ArcFace margin m must be an angle in [0, π/2) radians (0.5 rad = 28.6°).'
    )
  if (loss === 'cosface') knob('m', isNum(p.m) && p.m >= 0 && p.m < 1, 'CosFace margin m must be in [0, 1) (typically 0.35).')
  if (loss === 'sphereface') {
    knob('m', isWhole(p.m) && p.m >= 1 && p.m <= 10, 'SphereFace margin m must be a whole number from 1 to 10 (typically 4).')
    knob('lambda', isNum(p.lambda) && p.lambda >= 0, 'λ must be a number ≥ 0.')
  }
  if (loss === 'dsoftmax-k') {
    if (p.count !== undefined)
      knob('count', isWhole(p.count) && p.count >= 1, 'The number of sampled classes must be a whole number ≥ 1.')
    else knob('rate', isNum(p.rate) && p.rate > 0 && p.rate <= 1, 'The sampling rate must be in (0, 1] (e.g. 0.015625 = 1/64).')
  }
  return problems
}
