// Shape inference, parameter shapes and MAC counts of a BackboneSpec, without allocating a tensor.
// buildBackbone creates its variables from this plan, so a count reported for a 44 M-parameter
// network (without building it) is the count of the network that would be built.
import { convOutputSize, type BackboneSpec, type ExampleShape, type LayerSpec } from './spec'

export type ParamInit = 'he-normal' | 'zeros' | 'ones' | 'prelu'

export interface ParamPlan {
  name: string
  shape: number[]
  init: ParamInit
  /** Fan-in of the He initialisation (kernels only). */
  fanIn?: number
  /** Updated by the optimizer (false for batch-norm running statistics). */
  trainable: boolean
  /** Weight decay applies (kernels and dense weights, not biases or norm parameters). */
  decay: boolean
}

export interface LayerStep {
  layer: Exclude<LayerSpec, { kind: 'residual' }>
  input: ExampleShape
  output: ExampleShape
  params: ParamPlan[]
  /** Multiply-accumulates of this layer for one example. */
  macs: number
}

export interface SpecCost {
  /** Trainable values (kernels, biases, norm scales and shifts, PReLU slopes): what PyTorch's
   *  `sum(p.numel() for p in model.parameters())` counts. */
  parameters: number
  /** Non-trainable state (batch-norm running means and variances). */
  state: number
  /** Multiply-accumulates of one forward pass for one example. */
  macs: number
  output: ExampleShape
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1)

function mapShape(shape: ExampleShape, where: string): [number, number, number] {
  if (shape.length !== 3) throw new Error(`${where} needs a feature map, got a flat input`)
  return shape
}

const kernel = (name: string, shape: number[], fanIn: number): ParamPlan => ({
  name,
  shape,
  init: 'he-normal',
  fanIn,
  trainable: true,
  decay: true
})
const vector = (name: string, length: number, init: ParamInit, trainable = true): ParamPlan => ({
  name,
  shape: [length],
  init,
  trainable,
  decay: false
})

/** One non-residual layer: its output shape, parameters (in creation order) and MACs. */
export function planLayer(layer: LayerStep['layer'], input: ExampleShape): LayerStep {
  const channels = input[input.length - 1]
  const step = (output: ExampleShape, params: ParamPlan[] = [], macs = 0): LayerStep => ({ layer, input, output, params, macs })
  switch (layer.kind) {
    case 'conv':
    case 'depthwise': {
      const [h, w] = mapShape(input, layer.name)
      const oh = convOutputSize(h, layer.kernel, layer.stride, layer.padding)
      const ow = convOutputSize(w, layer.kernel, layer.stride, layer.padding)
      if (oh < 1 || ow < 1)
        throw new Error(`${layer.name}: a ${layer.kernel}×${layer.kernel} window does not fit a ${h}×${w} input`)
      if (layer.kind === 'depthwise') {
        const fanIn = layer.kernel * layer.kernel
        return step(
          [oh, ow, channels],
          [kernel(`${layer.name}/kernel`, [layer.kernel, layer.kernel, channels, 1], fanIn)],
          oh * ow * fanIn * channels
        )
      }
      const fanIn = layer.kernel * layer.kernel * channels
      const params = [kernel(`${layer.name}/kernel`, [layer.kernel, layer.kernel, channels, layer.filters], fanIn)]
      if (layer.bias) params.push(vector(`${layer.name}/bias`, layer.filters, 'zeros'))
      return step([oh, ow, layer.filters], params, oh * ow * fanIn * layer.filters)
    }
    case 'bn':
      return step(input, [
        vector(`${layer.name}/gamma`, channels, 'ones'),
        vector(`${layer.name}/beta`, channels, 'zeros'),
        vector(`${layer.name}/mean`, channels, 'zeros', false),
        vector(`${layer.name}/variance`, channels, 'ones', false)
      ])
    case 'prelu':
      return step(input, [vector(`${layer.name}/alpha`, channels, 'prelu')])
    case 'relu':
    case 'dropout':
      return step(input)
    case 'maxpool': {
      const [h, w, c] = mapShape(input, 'maxpool')
      return step([Math.floor((h - layer.size) / layer.stride) + 1, Math.floor((w - layer.size) / layer.stride) + 1, c])
    }
    case 'flatten':
      return step([size(input)])
    case 'dense': {
      if (input.length !== 1) throw new Error(`dense layer ${layer.name} needs a flat input; add a flatten layer`)
      const params = [kernel(`${layer.name}/kernel`, [channels, layer.units], channels)]
      if (layer.bias !== false) params.push(vector(`${layer.name}/bias`, layer.units, 'zeros'))
      return step([layer.units], params, channels * layer.units)
    }
  }
}

/**
 * Walks layers in creation order (a residual's body, then its shortcut), calling `visit` for each
 * plain layer; returns the output shape. Residual branches must agree in shape.
 */
export function walkLayers(layers: LayerSpec[], input: ExampleShape, visit: (step: LayerStep) => void): ExampleShape {
  let shape = input
  for (const layer of layers) {
    if (layer.kind === 'residual') {
      const body = walkLayers(layer.body, shape, visit)
      const shortcut = walkLayers(layer.shortcut, shape, visit)
      if (body.join() !== shortcut.join()) {
        throw new Error(`residual ${layer.name}: body gives [${body}] but shortcut gives [${shortcut}]`)
      }
      shape = body
    } else {
      const step = planLayer(layer, shape)
      visit(step)
      shape = step.output
    }
  }
  return shape
}

/** Parameter, state and MAC counts of a spec, computed from shapes alone. */
export function specCost(spec: BackboneSpec): SpecCost {
  const cost = { parameters: 0, state: 0, macs: 0 }
  const output = walkLayers(spec.layers, spec.input, (step) => {
    cost.macs += step.macs
    for (const p of step.params) cost[p.trainable ? 'parameters' : 'state'] += size(p.shape)
  })
  return { ...cost, output }
}
