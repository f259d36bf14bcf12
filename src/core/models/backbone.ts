// Builds the variables of a BackboneSpec and runs it forward. Batch norm is written as plain ops:
// on the wasm backend that trains faster than tf.batchNorm, and it is differentiable everywhere.
import { tf } from '../tf'
import type { Rng } from '../util/rng'
import { convOutputSize, type BackboneSpec, type ExampleShape, type LayerSpec } from './spec'

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

function heNormal(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  const values = new Float32Array(size)
  const std = Math.sqrt(2 / fanIn)
  for (let i = 0; i < size; i++) values[i] = rng.normal() * std
  return tf.tensor(values, shape)
}

export function buildBackbone(spec: BackboneSpec, rng: Rng): Backbone {
  const params: Param[] = []
  const byName = new Map<string, tf.Variable>()
  const add = (name: string, init: tf.Tensor, trainable: boolean, decay: boolean): void => {
    if (byName.has(name)) throw new Error(`duplicate parameter name ${name}`)
    // tfjs variable names are process-global; ours stay in Param.name so several models can coexist.
    const variable = tf.variable(init, trainable)
    init.dispose()
    params.push({ name, variable, trainable, decay })
    byName.set(name, variable)
  }
  let macs = 0

  const create = (layers: LayerSpec[], shape: ExampleShape): ExampleShape => {
    for (const layer of layers) shape = createLayer(layer, shape)
    return shape
  }
  const createLayer = (layer: LayerSpec, shape: ExampleShape): ExampleShape => {
    const channels = shape[shape.length - 1]
    switch (layer.kind) {
      case 'conv': {
        const [h, w] = mapShape(shape, layer.name)
        const fanIn = layer.kernel * layer.kernel * channels
        add(`${layer.name}/kernel`, heNormal(rng, [layer.kernel, layer.kernel, channels, layer.filters], fanIn), true, true)
        if (layer.bias) add(`${layer.name}/bias`, tf.zeros([layer.filters]), true, false)
        const oh = convOutputSize(h, layer.kernel, layer.stride, layer.padding)
        const ow = convOutputSize(w, layer.kernel, layer.stride, layer.padding)
        macs += oh * ow * fanIn * layer.filters
        return [oh, ow, layer.filters]
      }
      case 'depthwise': {
        const [h, w] = mapShape(shape, layer.name)
        const fanIn = layer.kernel * layer.kernel
        add(`${layer.name}/kernel`, heNormal(rng, [layer.kernel, layer.kernel, channels, 1], fanIn), true, true)
        const oh = convOutputSize(h, layer.kernel, layer.stride, layer.padding)
        const ow = convOutputSize(w, layer.kernel, layer.stride, layer.padding)
        macs += oh * ow * fanIn * channels
        return [oh, ow, channels]
      }
      case 'bn':
        add(`${layer.name}/gamma`, tf.ones([channels]), true, false)
        add(`${layer.name}/beta`, tf.zeros([channels]), true, false)
        add(`${layer.name}/mean`, tf.zeros([channels]), false, false)
        add(`${layer.name}/variance`, tf.ones([channels]), false, false)
        return shape
      case 'prelu':
        add(`${layer.name}/alpha`, tf.fill([channels], 0.25), true, false)
        return shape
      case 'relu':
      case 'dropout':
        return shape
      case 'maxpool': {
        const [h, w, c] = mapShape(shape, 'maxpool')
        return [Math.floor((h - layer.size) / layer.stride) + 1, Math.floor((w - layer.size) / layer.stride) + 1, c]
      }
      case 'flatten':
        return [shape.reduce((a, b) => a * b, 1)]
      case 'dense': {
        if (shape.length !== 1) throw new Error(`dense layer ${layer.name} needs a flat input; add a flatten layer`)
        add(`${layer.name}/kernel`, heNormal(rng, [channels, layer.units], channels), true, true)
        if (layer.bias !== false) add(`${layer.name}/bias`, tf.zeros([layer.units]), true, false)
        macs += channels * layer.units
        return [layer.units]
      }
      case 'residual': {
        const out = create(layer.body, shape)
        const short = create(layer.shortcut, shape)
        if (out.join() !== short.join()) {
          throw new Error(`residual ${layer.name}: body gives [${out}] but shortcut gives [${short}]`)
        }
        return out
      }
    }
  }

  const output = create(spec.layers, spec.input)
  if (output.length !== 1) throw new Error(`backbone ${spec.family} must end in a flat embedding, got [${output}]`)
  const get = (name: string): tf.Variable => byName.get(name) as tf.Variable

  const run = (layers: LayerSpec[], x: tf.Tensor, options: ForwardOptions): tf.Tensor => {
    for (const layer of layers) x = runLayer(layer, x, options)
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

function mapShape(shape: ExampleShape, where: string): [number, number, number] {
  if (shape.length !== 3) throw new Error(`${where} needs a feature map, got a flat input`)
  return shape
}

/** Applies the running-statistic updates gathered during a training forward pass. */
export function applyStatUpdates(updates: StatUpdate[]): void {
  for (const [variable, value] of updates) {
    variable.assign(value)
    value.dispose()
  }
  updates.length = 0
}
