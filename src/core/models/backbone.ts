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

export interface ForwardOptions {
  training: boolean
  /** When training, batch-norm layers push their new running statistics here (kept tensors). */
  statUpdates?: StatUpdate[]
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
