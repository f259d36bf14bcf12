// Will a recipe fit the device it trains on? Checked before a run starts, so it fails with advice
// instead of a crash mid-step.
//
// wasm: each replica's module has a 4 GiB heap; a step's weights, optimizer state, centres and
// one share of the batch's activations (kept for backprop) must fit in it. Past it, tfjs' wasm
// module aborts with "memory access out of bounds".
//
// GPU: WebGPU exposes no total memory, only per-buffer limits, so a run is checked against those: every tensor a shader binds (a weight, one batch of
// activations, the dense head's [batch × classes] logits, the centre matrix) must fit the
// adapter's storage-buffer binding size. The device memory a step needs is estimated too, to be
// shown beside the recipe.
import { isFastLoss, resolveLossParams, sampleSize } from '../losses'
import { backboneSpec } from '../models'
import { specCost, walkLayers } from '../models/plan'
import type { BackboneSpec } from '../models/spec'
import type { TrainConfig } from './config'

export interface GpuMemoryPlan {
  /** Device memory one training step needs: weights, gradients, optimizer slots, dense centres, activations. */
  totalBytes: number
  /** The largest single tensors, largest first, with what they are. */
  largest: { what: string; bytes: number }[]
}

export interface GpuPlanInput {
  spec: BackboneSpec
  batchSize: number
  classes: number
  /** Optimizer state tensors per weight: 1 for SGD (velocity), 2 for Adam. */
  optimizerSlots: number
  /** D-Softmax-B/-K keep the centres in host memory and send only the sampled rows. */
  sparseHead: boolean
  /** Rows a sparse head gathers per step (sampled negatives plus the batch's own classes). */
  sampledRows?: number
}

const F32 = 4

export function gpuMemoryPlan(input: GpuPlanInput): GpuMemoryPlan {
  const { spec, batchSize, classes, optimizerSlots, sparseHead } = input
  const cost = specCost(spec)
  const dim = cost.output.reduce((a, b) => a * b, 1)
  let activations = 0
  let largestMap = { what: '', floats: 0 }
  let largestWeight = { what: '', floats: 0 }
  walkLayers(spec.layers, spec.input, (step) => {
    const floats = step.output.reduce((a, b) => a * b, 1)
    activations += floats
    if (floats > largestMap.floats)
      largestMap = { what: `the output of ${'name' in step.layer ? step.layer.name : step.layer.kind} for one batch`, floats }
    for (const p of step.params) {
      const n = p.shape.reduce((a, b) => a * b, 1)
      if (n > largestWeight.floats) largestWeight = { what: `weight ${p.name}`, floats: n }
    }
  })
  const headRows = sparseHead ? Math.min(classes, input.sampledRows ?? batchSize) : classes
  const weights = cost.parameters + cost.state
  // Weights, their gradients and optimizer slots; the centres likewise (only the gathered rows of
  // a sparse head); activations and their gradients; a few [batch × rows] logit buffers.
  const totalFloats =
    (2 + optimizerSlots) * weights +
    (2 + (sparseHead ? 0 : optimizerSlots)) * headRows * dim +
    2 * batchSize * activations +
    3 * batchSize * headRows
  const largest = [
    {
      what: `the head's logits (${batchSize} × ${headRows} ${sparseHead ? 'sampled classes' : 'classes'})`,
      bytes: F32 * batchSize * headRows
    },
    { what: `the class centres (${headRows} × ${dim})`, bytes: F32 * headRows * dim },
    { what: largestMap.what, bytes: F32 * batchSize * largestMap.floats },
    { what: largestWeight.what, bytes: F32 * largestWeight.floats }
  ].sort((a, b) => b.bytes - a.bytes)
  return { totalBytes: F32 * totalFloats, largest }
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0)} MiB`

/**
 * Problems in words when a tensor of the plan would not fit one GPU buffer (empty when all fit),
 * each saying what to change.
 */
export function gpuFitProblems(
  plan: GpuMemoryPlan,
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
  adapter: string
): string[] {
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize)
  return plan.largest
    .filter((t) => t.bytes > limit)
    .map((t) => {
      const advice = t.what.startsWith("the head's logits")
        ? 'a smaller batch, or D-Softmax-K, which computes logits only for sampled classes'
        : t.what.startsWith('the class centres')
          ? 'D-Softmax-B or -K, which keep the centres in host memory, or a smaller embedding'
          : t.what.startsWith('weight')
            ? 'a smaller embedding or backbone'
            : 'a smaller batch or input size'
      return `${t.what} needs ${mib(t.bytes)} in one GPU buffer, more than ${adapter} allows (${mib(limit)}): try ${advice}, or --backend wasm`
    })
}

/** The plan of a recipe on data with `classes` identities and images of `channels` channels. */
export function gpuPlanOf(config: TrainConfig, classes: number, channels: 1 | 3): GpuMemoryPlan {
  const spec = backboneSpec(config.backbone, { embeddingDim: config.embeddingDim, inputSize: config.inputSize, channels })
  const sparseHead = isFastLoss(config.loss)
  // -K samples a share of the classes (or a count) besides the batch's own; -B uses the batch's.
  const sampled =
    config.loss === 'dsoftmax-k'
      ? sampleSize(resolveLossParams(config.loss, config.lossParams), classes) + config.batchSize
      : config.batchSize
  return gpuMemoryPlan({
    spec,
    batchSize: config.batchSize,
    classes,
    optimizerSlots: config.optimizer.kind === 'sgd' ? 1 : 2,
    sparseHead,
    sampledRows: sampled
  })
}

/** wasm's linear memory: 32-bit addresses. Some of it goes to the module itself and the batch buffers. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30
const WASM_USABLE_BYTES = 0.9 * WASM_HEAP_BYTES

/**
 * Problems when one replica's share of a step would not fit wasm's heap, with the largest batch
 * that would (empty when it fits).
 */
export function wasmHeapProblems(config: TrainConfig, classes: number, channels: 1 | 3, replicas: number): string[] {
  const share = Math.ceil(config.batchSize / replicas)
  const needed = gpuPlanOf({ ...config, batchSize: share }, classes, channels).totalBytes
  if (needed <= WASM_USABLE_BYTES) return []
  let fits = 0
  for (let batch = share; batch >= 1; batch = Math.floor(batch / 2)) {
    if (gpuPlanOf({ ...config, batchSize: batch }, classes, channels).totalBytes <= WASM_USABLE_BYTES) {
      fits = batch * replicas
      break
    }
  }
  const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`
  const where =
    replicas > 1
      ? `${share} images per replica (batch ${config.batchSize} over ${replicas} replicas)`
      : `batch ${config.batchSize}`
  const advice =
    fits > 0
      ? `use --batch ${fits} or smaller, or a GPU backend`
      : 'the model alone does not fit: use a GPU backend or a smaller backbone'
  return [
    `${config.backbone} at ${config.inputSize}×${config.inputSize} with ${where} needs ≈ ${gib(needed)} per replica, more than wasm's ${gib(WASM_HEAP_BYTES)} heap: ${advice}`
  ]
}
