// Builds the variables of a BackboneSpec and runs it forward. Batch norm is written as plain ops:
// on the wasm backend that trains faster than tf.batchNorm, and it is differentiable everywhere.
import { tf } from '../tf'
import type { Rng } from '../util/rng'
import type { BackboneSpec, LayerSpec } from './spec'
import { walkLayers, type ParamPlan } from './plan'

export interface Param {
  name: string
  variable: tf.Variable
  /** Updated by the optimizer (false for batch-norm running statistics). */
  trainable: boolean
  /** Weight decay applies (kernels and dense weights, not biases or norm parameters). */
  decay: boolean
}

/** Running-statistic updates produced by a training-mode forward pass, applied after the step. */
export type StatUpdate = [tf.Variable, tf.Tensor]

/**
 * Data-parallel training: the other replicas hold the rest of the batch. Batch norm then takes its
 * moments (and, backwards, its two batch sums) over the whole batch through this exchange, so the
 * replicas together compute what one replica would on the whole batch.
 */
export interface BatchStatsExchange {
  /** This replica's share of the batch (its examples / the batch's): its loss is weighted by it. */
  readonly weight: number
  /** Σ over all replicas of `values`; synchronous, every replica calls at the same point of the step. */
  sum(values: ArrayLike<number>): Float64Array
  /** This replica's step failed: the others stop waiting for its sums. */
  fail(): void
}

export interface ForwardOptions {
  training: boolean
  /** When training, batch-norm layers push their new running statistics here (kept tensors). */
  statUpdates?: StatUpdate[]
  /** When training data-parallel: batch-norm moments over every replica's share (see BatchStatsExchange). */
  exchange?: BatchStatsExchange
  /**
   * Inference with no gradient taken: each layer's output is freed as soon as the next layer has
   * used it, so a forward pass holds a few feature maps, not all of them (a face backbone at
   * 112×112 keeps ~35 MB per image otherwise). Never under a gradient tape: backprop needs them.
   */
  releaseIntermediates?: boolean
}

export interface Backbone {
  spec: BackboneSpec
  params: Param[]
  embeddingDim: number
  /** Multiply-accumulates of one forward pass for one image. */
  macsPerImage: number
  apply(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D
  dispose(): void
}

const BN_EPSILON = 1e-5
const BN_MOMENTUM = 0.9

function initialValue(plan: ParamPlan, rng: Rng): tf.Tensor {
  switch (plan.init) {
    case 'zeros':
      return tf.zeros(plan.shape)
    case 'ones':
      return tf.ones(plan.shape)
    case 'prelu':
      return tf.fill(plan.shape, 0.25)
    case 'he-normal': {
      const values = new Float32Array(plan.shape.reduce((a, b) => a * b, 1))
      const std = Math.sqrt(2 / (plan.fanIn ?? 1))
      for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std
      return tf.tensor(values, plan.shape)
    }
  }
}

export function buildBackbone(spec: BackboneSpec, rng: Rng): Backbone {
  const params: Param[] = []
  const byName = new Map<string, tf.Variable>()
  const create = (plan: ParamPlan): void => {
    if (byName.has(plan.name)) throw new Error(`duplicate parameter name ${plan.name}`)
    const init = initialValue(plan, rng)
    // tfjs variable names are process-global; ours stay in Param.name so several models can coexist.
    const variable = tf.variable(init, plan.trainable)
    init.dispose()
    params.push({ name: plan.name, variable, trainable: plan.trainable, decay: plan.decay })
    byName.set(plan.name, variable)
  }
  let macs = 0
  const output = walkLayers(spec.layers, spec.input, (step) => {
    macs += step.macs
    step.params.forEach(create)
  })
  if (output.length !== 1) throw new Error(`backbone ${spec.family} must end in a flat embedding, got [${output}]`)
  const get = (name: string): tf.Variable => byName.get(name) as tf.Variable

  const run = (layers: LayerSpec[], input: tf.Tensor, options: ForwardOptions): tf.Tensor => {
    let x = input
    for (const layer of layers) {
      if (!options.releaseIntermediates) {
        x = runLayer(layer, x, options)
        continue
      }
      const previous = x
      x = tf.tidy(() => runLayer(layer, previous, options))
      if (previous !== input && previous !== x) previous.dispose()
    }
    return x
  }
  const runLayer = (layer: LayerSpec, x: tf.Tensor, options: ForwardOptions): tf.Tensor => {
    switch (layer.kind) {
      case 'conv': {
        const y = tf.conv2d(x as tf.Tensor4D, get(`${layer.name}/kernel`) as tf.Tensor4D, layer.stride, layer.padding)
        return layer.bias ? tf.add(y, get(`${layer.name}/bias`)) : y
      }
      case 'depthwise':
        return tf.depthwiseConv2d(x as tf.Tensor4D, get(`${layer.name}/kernel`) as tf.Tensor4D, layer.stride, layer.padding)
      case 'bn':
        return batchNorm(layer.name, x, options)
      case 'relu':
        return tf.relu(x)
      case 'prelu':
        return tf.prelu(x, get(`${layer.name}/alpha`))
      case 'maxpool':
        return tf.maxPool(x as tf.Tensor4D, layer.size, layer.stride, 'valid')
      case 'flatten':
        return tf.reshape(x, [x.shape[0], -1])
      case 'dense': {
        const y = tf.matMul(x as tf.Tensor2D, get(`${layer.name}/kernel`) as tf.Tensor2D)
        return layer.bias !== false ? tf.add(y, get(`${layer.name}/bias`)) : y
      }
      case 'dropout':
        return options.training && layer.rate > 0 ? tf.dropout(x, layer.rate) : x
      case 'residual':
        return tf.add(run(layer.body, x, options), run(layer.shortcut, x, options))
    }
  }

  const batchNorm = (name: string, x: tf.Tensor, options: ForwardOptions): tf.Tensor => {
    const gamma = get(`${name}/gamma`)
    const beta = get(`${name}/beta`)
    const movingMean = get(`${name}/mean`)
    const movingVariance = get(`${name}/variance`)
    const axes = x.rank === 4 ? [0, 1, 2] : [0]
    if (options.training && options.exchange)
      return exchangedBatchNorm(x, axes, { gamma, beta, movingMean, movingVariance }, options.exchange, options.statUpdates)
    let mean: tf.Tensor = movingMean
    let variance: tf.Tensor = movingVariance
    if (options.training) {
      const moments = tf.moments(x, axes)
      mean = moments.mean
      variance = moments.variance
      if (options.statUpdates) {
        const n = x.size / x.shape[x.rank - 1]
        const unbiased = tf.mul(variance, n / Math.max(1, n - 1))
        options.statUpdates.push(
          [movingMean, tf.keep(tf.add(tf.mul(movingMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)))],
          [movingVariance, tf.keep(tf.add(tf.mul(movingVariance, BN_MOMENTUM), tf.mul(unbiased, 1 - BN_MOMENTUM)))]
        )
      }
    }
    // y = x·scale + shift with scale = γ/√(σ²+ε), shift = β − μ·scale: two broadcasts over the big tensor.
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BN_EPSILON)))
    const shift = tf.sub(beta, tf.mul(mean, scale))
    return tf.add(tf.mul(x, scale), shift)
  }

  return {
    spec,
    params,
    embeddingDim: output[0],
    macsPerImage: macs,
    apply: (x, options) => run(spec.layers, x, options) as tf.Tensor2D,
    dispose: () => params.forEach((p) => p.variable.dispose())
  }
}

/** Applies the running-statistic updates gathered during a training forward pass. */
export function applyStatUpdates(updates: StatUpdate[]): void {
  for (const [variable, value] of updates) {
    variable.assign(value)
    value.dispose()
  }
  updates.length = 0
}

interface BatchNormVariables {
  gamma: tf.Variable
  beta: tf.Variable
  movingMean: tf.Variable
  movingVariance: tf.Variable
}

/** Float32 values of a small per-channel tensor, read synchronously (see exchangedBatchNorm). */
function readNow(t: tf.Tensor): Float32Array {
  // The one synchronous read of the engine: tfjs differentiates synchronously, so the exchange
  // happens inside the op. Data-parallel replicas run only on the cpu/wasm/node backends (the
  // trainer refuses them elsewhere), which read synchronously.
  return t.dataSync() as Float32Array
}

/**
 * Batch norm in training mode with the moments of the whole batch, spread over replicas. Forward:
 * μ = Σx / M and σ² = Σ(x − μ)² / M, each sum exchanged (M counts every replica's values). Backward,
 * with g this replica's gradient of its own share's mean loss (weight w = share / batch), the
 * whole-batch sums S₁ = Σ w·g and S₂ = Σ w·g·x̂ are exchanged, and
 *   dx = γ/σ · (g − (S₁ + x̂·S₂) / (w·M)),   dγ = Σ g·x̂,   dβ = Σ g   (this share's, weighted later)
 * which is the whole-batch gradient divided by w, as the trainer's weighted average expects.
 */
function exchangedBatchNorm(
  x: tf.Tensor,
  axes: number[],
  v: BatchNormVariables,
  exchange: BatchStatsExchange,
  statUpdates?: StatUpdate[]
): tf.Tensor {
  const channels = x.shape[x.rank - 1]
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta] = args as [tf.Tensor, tf.Tensor, tf.Tensor]
    const save = args[args.length - 1] as tf.GradSaveFunc
    const localSum = tf.sum(input, axes)
    const totals = exchange.sum([...readNow(localSum), input.size / channels])
    localSum.dispose()
    const count = totals[channels]
    const mean = tf.tensor1d(Float32Array.from(totals.subarray(0, channels), (s) => s / count))
    const centred = tf.sub(input, mean)
    const localSquares = tf.tidy(() => tf.sum(tf.square(centred), axes))
    const squares = exchange.sum(readNow(localSquares))
    localSquares.dispose()
    const variance = Float32Array.from(squares, (s) => s / count)
    const invStd = tf.tidy(() => tf.rsqrt(tf.add(tf.tensor1d(variance), BN_EPSILON)))
    const normalized = tf.mul(centred, invStd)
    centred.dispose()
    const y = tf.tidy(() => tf.add(tf.mul(normalized, gamma), beta))
    if (statUpdates) {
      const unbiased = tf.tensor1d(Float32Array.from(squares, (s) => s / Math.max(1, count - 1)))
      statUpdates.push(
        [v.movingMean, tf.keep(tf.tidy(() => tf.add(tf.mul(v.movingMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM))))],
        [
          v.movingVariance,
          tf.keep(tf.tidy(() => tf.add(tf.mul(v.movingVariance, BN_MOMENTUM), tf.mul(unbiased, 1 - BN_MOMENTUM))))
        ]
      )
      unbiased.dispose()
    }
    mean.dispose()
    const scale = tf.tidy(() => tf.mul(gamma, invStd))
    save([normalized, scale])
    normalized.dispose()
    scale.dispose()
    invStd.dispose()
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor
        const [xHat, savedScale] = saved
        const localDBeta = tf.sum(g, axes)
        const localDGamma = tf.tidy(() => tf.sum(tf.mul(g, xHat), axes))
        const both = tf.tidy(() => tf.mul(tf.concat([localDBeta, localDGamma]), exchange.weight))
        const sums = exchange.sum(readNow(both))
        both.dispose()
        const dx = tf.tidy(() => {
          const perValue = 1 / (exchange.weight * count)
          const sumG = tf.tensor1d(Float32Array.from(sums.subarray(0, channels), (s) => s * perValue))
          const sumGX = tf.tensor1d(Float32Array.from(sums.subarray(channels), (s) => s * perValue))
          return tf.mul(savedScale, tf.sub(tf.sub(g, sumG), tf.mul(xHat, sumGX)))
        })
        return [dx, localDGamma, localDBeta]
      }
    }
  })
  return op(x, v.gamma, v.beta)
}
