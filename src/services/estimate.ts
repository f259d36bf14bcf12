/**
 * Checking a recipe before it starts, and its rough cost: parameters and MACs from the
 * backbone spec alone, memory from parameters, optimizer slots, class centres and the
 * activations of a batch, time from the training speed measured on this machine's backend for
 * the model family (services/throughput.ts), scaled by MACs per image.
 */
import type { Estimate, RecipeCheck, TrainRecipe } from '../common/contract'
import { validateLossParams } from '../core/losses/params'
import { backboneSpec, inputChannels, isBackboneName } from '../core/models/architectures'
import { specCost, walkLayers } from '../core/models/plan'
import { validateTrainConfig } from '../core/train/config'
import { gpuPlanOf } from '../core/train/memoryFit'
import type { ThroughputMeasurement } from './jobs/protocol'

/** Until this machine is measured: wasm with patched gradients, ≈ 33 img/s at 45 M MAC/img on 2 cores. */
const FALLBACK_IMAGES_PER_SECOND = 33
const FALLBACK_MACS_PER_IMAGE = 45e6
/** Node, tfjs and the wasm module before any model exists. */
const RUNTIME_BASE_BYTES = 200 * 2 ** 20

export interface DataSize {
  examples: number
  classes: number
}

/** Channels the recipe's images have: the engine's answer for its backbone (1 for glyphs, 3 for faces). */
export function channelsOf(recipe: Pick<TrainRecipe, 'backbone'>): 1 | 3 {
  return inputChannels(recipe.backbone)
}

/** What the time is scaled from: this machine's measurement, or (until it exists) the fallback. */
export interface SpeedBasis {
  measured: ThroughputMeasurement | null
  /** The backend the trainer will use, when known. */
  backend?: string
  /** A measurement for it is running now. */
  measuring?: boolean
}

function speedBasisText(basis: SpeedBasis, imagesPerSecond: number, macs: number): string {
  const m = basis.measured
  if (m) {
    return (
      `time scaled from ${m.imagesPerSecond.toFixed(1)} img/s measured on this machine (${m.machine}) on ${m.backend} with ${m.replicas} replica${m.replicas === 1 ? '' : 's'} ` +
      `for ${m.model} at ${(m.macsPerImage / 1e6).toFixed(1)} M MAC/img, ${m.measuredAt.slice(0, 10)} (≈ ${imagesPerSecond.toFixed(1)} img/s for this model at ${(macs / 1e6).toFixed(1)} M MAC/img)`
    )
  }
  const why = basis.measuring
    ? `this machine's ${basis.backend ?? 'backend'} speed is being measured now`
    : `this machine's speed could not be measured (${basis.backend ?? 'no backend probed'})`
  return (
    `time scaled from a fallback of ${FALLBACK_IMAGES_PER_SECOND} img/s at ${FALLBACK_MACS_PER_IMAGE / 1e6} M MAC/img (wasm, 2 cores) because ${why} ` +
    `(≈ ${imagesPerSecond.toFixed(1)} img/s for this model)`
  )
}

export function estimateRecipe(recipe: TrainRecipe, data: DataSize | null, speed: SpeedBasis = { measured: null }): Estimate {
  const spec = backboneSpec(recipe.backbone, {
    embeddingDim: recipe.embeddingDim,
    inputSize: recipe.inputSize,
    channels: channelsOf(recipe)
  })
  const cost = specCost(spec)
  let activations = 0
  walkLayers(spec.layers, spec.input, (step) => {
    activations += step.output.reduce((a, b) => a * b, 1)
  })
  const slots = recipe.optimizer.kind === 'sgd' ? 1 : 2
  const centres = data ? data.classes * recipe.embeddingDim : 0
  // weights + gradients + optimizer slots; centres the same; activations kept for backprop and their gradients.
  const memoryBytes =
    RUNTIME_BASE_BYTES +
    4 * ((2 + slots) * (cost.parameters + cost.state) + (2 + slots) * centres + 2 * recipe.batchSize * activations)
  const stepsPerEpoch = data ? Math.max(1, Math.floor(data.examples / recipe.batchSize)) : null
  const totalSteps = stepsPerEpoch === null ? null : (recipe.steps ?? Math.max(1, Math.round(recipe.epochs * stepsPerEpoch)))
  // Without a dataset the class count is unknown: the GPU figure then covers the backbone only.
  const gpuPlan = gpuPlanOf(recipe, data?.classes ?? 1, channelsOf(recipe))
  const reference = speed.measured ?? { imagesPerSecond: FALLBACK_IMAGES_PER_SECOND, macsPerImage: FALLBACK_MACS_PER_IMAGE }
  const imagesPerSecond = (reference.imagesPerSecond * reference.macsPerImage) / Math.max(cost.macs, 1)
  return {
    parameters: cost.parameters,
    macsPerImage: cost.macs,
    examples: data?.examples ?? null,
    classes: data?.classes ?? null,
    stepsPerEpoch,
    totalSteps,
    memoryBytes,
    gpu: {
      memoryBytes: gpuPlan.totalBytes,
      largestTensorBytes: gpuPlan.largest[0].bytes,
      largestTensor: gpuPlan.largest[0].what
    },
    secondsPerEpoch: data ? data.examples / imagesPerSecond : null,
    ...(speed.measured === null && speed.measuring ? { speedPending: true } : {}),
    basis:
      `${speedBasisText(speed, imagesPerSecond, cost.macs)}; memory counts weights, gradients, ` +
      `${slots} optimizer slot${slots > 1 ? 's' : ''}, the class centres and one batch of activations, plus ≈ 200 MB for the runtime` +
      (data ? '' : '; the dataset size is unknown until it is inspected, so steps and time are left open')
  }
}

/** Problems in words (engine checks), and the estimate when the recipe can be sized. */
export function checkRecipe(recipe: TrainRecipe, data: DataSize | null, speed: SpeedBasis = { measured: null }): RecipeCheck {
  const problems = [...validateTrainConfig(recipe), ...validateLossParams(recipe.loss, recipe.lossParams)]
  if (!(recipe.embeddingDim >= 2 && recipe.embeddingDim <= 4096))
    problems.push(`embedding size must be between 2 and 4096, got ${recipe.embeddingDim}`)
  if (!(recipe.inputSize >= 8 && recipe.inputSize <= 512))
    problems.push(`input size must be between 8 and 512 pixels, got ${recipe.inputSize}`)
  // The schema admits only known backbones; a caller that skipped it gets the engine's problem, not a crash.
  const known = isBackboneName(recipe.backbone)
  const glyphModel = known && channelsOf(recipe) === 1
  if (glyphModel && recipe.dataset === 'files')
    problems.push(
      `${recipe.backbone} takes 32×32 grayscale glyphs: use it with the bundled fonts, or pick a face backbone for a dataset on disk`
    )
  if (recipe.dataset !== 'files' && recipe.inputSize !== 32)
    problems.push(`the bundled glyphs are 32×32: input size must be 32, got ${recipe.inputSize}`)
  if (known && !glyphModel && recipe.dataset !== 'files')
    problems.push(`${recipe.backbone} takes colour images: the bundled glyphs need the glyph CNN`)
  let estimate: Estimate | undefined
  try {
    // Counts per batch and per epoch need a positive batch (and epochs): a batch of 0 made the
    // estimate Infinity, which no answer schema takes (a 500 for what is the caller's mistake).
    const sizable =
      recipe.batchSize >= 1 &&
      (recipe.steps !== undefined ? recipe.steps >= 1 : Number.isFinite(recipe.epochs) && recipe.epochs > 0)
    if (sizable && known && recipe.embeddingDim > 0 && recipe.inputSize >= 8) estimate = estimateRecipe(recipe, data, speed)
  } catch (error) {
    problems.push((error as Error).message)
  }
  return { problems, ...(estimate ? { estimate } : {}) }
}
