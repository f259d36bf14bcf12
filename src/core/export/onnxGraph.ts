// Translates a BackboneSpec and its weights into an ONNX graph, layer kind by layer kind.
// The app runs NHWC; ONNX convention is NCHW, so kernels are transposed and the one place where
// layout is visible to the numbers, flatten, is made to produce the app's (h, w, c) order.
import { convOutputSize, type BackboneSpec, type ExampleShape, type LayerSpec } from '../models/spec'
import {
  ATTR,
  ONNX_FLOAT,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor
} from './onnxSchema'

/** A stored weight: its shape as the app holds it (NHWC kernels) and its values. */
export interface WeightValue {
  shape: number[]
  values: Float32Array
}

export type WeightLookup = (name: string) => WeightValue

export interface OnnxGraphOptions {
  /** Append an L2 normalization so the output is a unit vector. */
  normalize: boolean
  /** Key/value pairs stored in the model's metadata_props. */
  metadata: Record<string, string>
  producerVersion: string
  docString?: string
}

export const ONNX_INPUT_NAME = 'input'
export const ONNX_OUTPUT_NAME = 'embedding'
export const ONNX_BATCH_DIM = 'batch'
/** Same epsilon as the app's batch norm (src/core/models/backbone.ts). */
const BN_EPSILON = 1e-5

const intsAttr = (name: string, ints: number[]): OnnxAttribute => ({ name, type: ATTR.INTS, ints })
const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: ATTR.INT, i })
const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: ATTR.FLOAT, f })

function floatTensor(name: string, dims: number[], values: Float32Array): OnnxTensor {
  const size = dims.reduce((a, b) => a * b, 1)
  if (size !== values.length) throw new Error(`weight ${name}: shape [${dims}] needs ${size} values, got ${values.length}`)
  return { name, dims, dataType: ONNX_FLOAT, rawData: float32LittleEndian(values) }
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f

/** raw_data is little-endian whatever the host's byte order; a plain copy on little-endian hosts. */
export function float32LittleEndian(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.slice().buffer)
  const raw = new Uint8Array(values.length * 4)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true)
  return raw
}

/** Reads little-endian float32 bytes (any alignment) into a new array. */
export function float32FromLittleEndian(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4)
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4))
    return out
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

/** tfjs conv kernel [kh, kw, in, out] → ONNX weight [out, in, kh, kw]. */
export function convKernelToOihw(kernel: WeightValue): WeightValue {
  const [kh, kw, cin, cout] = kernel.shape
  const out = new Float32Array(kernel.values.length)
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = kernel.values[((y * kw + x) * cin + i) * cout + o]
  return { shape: [cout, cin, kh, kw], values: out }
}

/** tfjs depthwise kernel [kh, kw, c, 1] → ONNX grouped weight [c, 1, kh, kw]. */
export function depthwiseKernelToOihw(kernel: WeightValue): WeightValue {
  const [kh, kw, c, multiplier] = kernel.shape
  if (multiplier !== 1) throw new Error(`depthwise kernel with channel multiplier ${multiplier} is not supported`)
  const out = new Float32Array(kernel.values.length)
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++) for (let ch = 0; ch < c; ch++) out[(ch * kh + y) * kw + x] = kernel.values[(y * kw + x) * c + ch]
  return { shape: [c, 1, kh, kw], values: out }
}

/**
 * Reorders the rows of a dense kernel [h·w·c, units] that expects the app's (h, w, c) flatten
 * order so it accepts ONNX's (c, h, w) order instead.
 */
export function denseRowsToChw(kernel: WeightValue, map: [number, number, number]): WeightValue {
  const [h, w, c] = map
  const units = kernel.shape[1]
  if (kernel.shape[0] !== h * w * c)
    throw new Error(`dense kernel has ${kernel.shape[0]} rows, the map before it has ${h * w * c} values`)
  const out = new Float32Array(kernel.values.length)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        const from = ((y * w + x) * c + ch) * units
        const to = ((ch * h + y) * w + x) * units
        out.set(kernel.values.subarray(from, from + units), to)
      }
  return { shape: kernel.shape, values: out }
}

/** Explicit [begin, end] padding of tfjs' 'same' mode (the extra pixel goes at the end). */
function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride)
  const total = Math.max((out - 1) * stride + kernel - size, 0)
  const begin = Math.floor(total / 2)
  return [begin, total - begin]
}

export function buildOnnxModel(spec: BackboneSpec, weight: WeightLookup, options: OnnxGraphOptions): OnnxModel {
  const nodes: OnnxNode[] = []
  const initializers: OnnxTensor[] = []
  // Node names must be unique in a graph; each node is named after the tensor it computes.
  const node = (opType: string, name: string, input: string[], attribute: OnnxAttribute[] = []): string => {
    const output = `${name}/${opType}:${nodes.length}`
    nodes.push({ name: output, opType, input, output: [output], attribute })
    return output
  }
  const init = (name: string, value: WeightValue, dims = value.shape): string => {
    initializers.push(floatTensor(name, dims, value.values))
    return name
  }
  const checked = (name: string, shape: number[]): WeightValue => {
    const value = weight(name)
    if (value.shape.join() !== shape.join()) {
      throw new Error(`weight ${name} has shape [${value.shape}], the architecture needs [${shape}]`)
    }
    return value
  }

  const emitList = (layers: LayerSpec[], x: string, shape: ExampleShape): [string, ExampleShape] => {
    for (let i = 0; i < layers.length; i++) [x, shape] = emitLayer(layers[i], x, shape, layers.slice(i + 1))
    return [x, shape]
  }

  // Set by a flatten whose next weighted layer is dense: that dense layer permutes its rows.
  let flattenedMap: [number, number, number] | null = null

  const emitLayer = (layer: LayerSpec, x: string, shape: ExampleShape, rest: LayerSpec[]): [string, ExampleShape] => {
    const channels = shape[shape.length - 1]
    switch (layer.kind) {
      case 'conv':
      case 'depthwise': {
        const [h, w] = mapOf(shape, layer.name)
        const isDepthwise = layer.kind === 'depthwise'
        const filters = layer.kind === 'conv' ? layer.filters : channels
        const kernel = checked(`${layer.name}/kernel`, [layer.kernel, layer.kernel, channels, isDepthwise ? 1 : filters])
        const oihw = isDepthwise ? depthwiseKernelToOihw(kernel) : convKernelToOihw(kernel)
        const inputs = [x, init(`${layer.name}/kernel`, oihw)]
        if (layer.kind === 'conv' && layer.bias) inputs.push(init(`${layer.name}/bias`, checked(`${layer.name}/bias`, [filters])))
        const [top, bottom] = layer.padding === 'same' ? samePadding(h, layer.kernel, layer.stride) : [0, 0]
        const [left, right] = layer.padding === 'same' ? samePadding(w, layer.kernel, layer.stride) : [0, 0]
        const y = node('Conv', layer.name, inputs, [
          intsAttr('kernel_shape', [layer.kernel, layer.kernel]),
          intsAttr('strides', [layer.stride, layer.stride]),
          intsAttr('pads', [top, left, bottom, right]),
          intsAttr('dilations', [1, 1]),
          intAttr('group', isDepthwise ? channels : 1)
        ])
        const oh = convOutputSize(h, layer.kernel, layer.stride, layer.padding)
        const ow = convOutputSize(w, layer.kernel, layer.stride, layer.padding)
        return [y, [oh, ow, filters]]
      }
      case 'bn': {
        if (flattenedMap) throw new Error(`batch norm ${layer.name} right after flatten is not supported by the exporter`)
        const params = ['gamma', 'beta', 'mean', 'variance'].map((p) =>
          init(`${layer.name}/${p}`, checked(`${layer.name}/${p}`, [channels]))
        )
        return [node('BatchNormalization', layer.name, [x, ...params], [floatAttr('epsilon', BN_EPSILON)]), shape]
      }
      case 'relu':
        return [node('Relu', 'relu', [x]), shape]
      case 'prelu': {
        // ONNX PRelu broadcasts the slope unidirectionally: [C, 1, 1] against NCHW, [C] against NC.
        const alpha = checked(`${layer.name}/alpha`, [channels])
        const dims = shape.length === 3 ? [channels, 1, 1] : [channels]
        return [node('PRelu', layer.name, [x, init(`${layer.name}/alpha`, alpha, dims)]), shape]
      }
      case 'maxpool': {
        const [h, w, c] = mapOf(shape, 'maxpool')
        const y = node(
          'MaxPool',
          'maxpool',
          [x],
          [
            intsAttr('kernel_shape', [layer.size, layer.size]),
            intsAttr('strides', [layer.stride, layer.stride]),
            intsAttr('pads', [0, 0, 0, 0])
          ]
        )
        return [y, [Math.floor((h - layer.size) / layer.stride) + 1, Math.floor((w - layer.size) / layer.stride) + 1, c]]
      }
      case 'dropout':
        // Inference graph: dropout is the identity and is left out.
        return [x, shape]
      case 'flatten': {
        const map = mapOf(shape, 'flatten')
        const flat: ExampleShape = [map[0] * map[1] * map[2]]
        const next = rest.find((l) => l.kind !== 'dropout')
        const orderMatters = map[2] > 1 && map[0] * map[1] > 1
        if (orderMatters && next?.kind === 'dense') {
          flattenedMap = map
          return [node('Flatten', 'flatten', [x], [intAttr('axis', 1)]), flat]
        }
        // Any other consumer sees the app's order: NCHW → NHWC, then flatten.
        const source = orderMatters ? node('Transpose', 'flatten', [x], [intsAttr('perm', [0, 2, 3, 1])]) : x
        return [node('Flatten', 'flatten', [source], [intAttr('axis', 1)]), flat]
      }
      case 'dense': {
        if (shape.length !== 1) throw new Error(`dense layer ${layer.name} needs a flat input`)
        let kernel = checked(`${layer.name}/kernel`, [channels, layer.units])
        if (flattenedMap) {
          kernel = denseRowsToChw(kernel, flattenedMap)
          flattenedMap = null
        }
        const inputs = [x, init(`${layer.name}/kernel`, kernel)]
        if (layer.bias !== false) inputs.push(init(`${layer.name}/bias`, checked(`${layer.name}/bias`, [layer.units])))
        return [node('Gemm', layer.name, inputs), [layer.units]]
      }
      case 'residual': {
        if (flattenedMap) throw new Error(`residual ${layer.name} right after flatten is not supported by the exporter`)
        const [body, bodyShape] = emitList(layer.body, x, shape)
        const [short] = emitList(layer.shortcut, x, shape)
        return [node('Add', layer.name, [body, short]), bodyShape]
      }
    }
  }

  const [height, width, inChannels] = spec.input
  const [features, outShape] = emitList(spec.layers, ONNX_INPUT_NAME, spec.input)
  if (outShape.length !== 1) throw new Error(`backbone ${spec.family} does not end in a flat embedding`)
  let output = features
  if (options.normalize) output = node('LpNormalization', 'l2norm', [output], [intAttr('axis', 1), intAttr('p', 2)])
  // Give the last node's output the conventional name.
  const last = nodes[nodes.length - 1]
  if (!last || last.output[0] !== output) throw new Error(`backbone ${spec.family} has no layer that computes its output`)
  last.output[0] = ONNX_OUTPUT_NAME

  const dims = (values: (number | string)[]): { dim: ({ dimValue: number } | { dimParam: string })[] } => ({
    dim: values.map((v) => (typeof v === 'string' ? { dimParam: v } : { dimValue: v }))
  })
  return {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'D-Softmax Studio',
    producerVersion: options.producerVersion,
    docString: options.docString,
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.family,
      node: nodes,
      initializer: initializers,
      input: [
        {
          name: ONNX_INPUT_NAME,
          type: { tensorType: { elemType: ONNX_FLOAT, shape: dims([ONNX_BATCH_DIM, inChannels, height, width]) } }
        }
      ],
      output: [
        { name: ONNX_OUTPUT_NAME, type: { tensorType: { elemType: ONNX_FLOAT, shape: dims([ONNX_BATCH_DIM, outShape[0]]) } } }
      ]
    }
  }
}

function mapOf(shape: ExampleShape, where: string): [number, number, number] {
  if (shape.length !== 3) throw new Error(`${where} needs a feature map, got a flat input`)
  return shape
}
