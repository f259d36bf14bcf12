// The backbone in TensorFlow.js "layers-model" format (model.json + weights.bin), loadable with
// tf.loadLayersModel in a browser or Node. Built with tfjs-layers from the same spec, so it runs
// NHWC exactly like the app; checked after writing by loading the files back and comparing.
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tf } from '../tf'
import type { ImageSource } from '../data/imageSets'
import { embedImages, type Backbone, type BackboneSpec, type LayerSpec } from '../models'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite'
import type { WeightValue } from './onnxGraph'
import {
  compareEmbeddings,
  l2NormalizeRows,
  randomSource,
  DEFAULT_TOLERANCE,
  type BatchComparison,
  type RealImages
} from './validate'

type Layers = typeof import('@tensorflow/tfjs-layers')
type SymbolicTensor = import('@tensorflow/tfjs-layers').SymbolicTensor
type LayersModel = import('@tensorflow/tfjs-layers').LayersModel

// The CommonJS build of tfjs-layers registers on the same global engine as src/core/tf (as the
// gradients in src/core/tf.ts do); its ESM build does not load under plain Node.
const tfl = createRequire(import.meta.url)('@tensorflow/tfjs-layers') as Layers

const BN_EPSILON = 1e-5

/** Builds a tfjs-layers model of the spec with the given weights. */
export function buildLayersModel(spec: BackboneSpec, weight: (name: string) => WeightValue): LayersModel {
  const used = new Set<string>()
  const layerName = (name: string): string => {
    let base = name.replace(/[^A-Za-z0-9_.-]/g, '_')
    for (let n = 2; used.has(base); n++) base = `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}_${n}`
    used.add(base)
    return base
  }
  const pending: [import('@tensorflow/tfjs-layers').layers.Layer, tf.Tensor[]][] = []
  const withWeights = (
    layer: import('@tensorflow/tfjs-layers').layers.Layer,
    names: string[],
    shapes?: number[][]
  ): typeof layer => {
    pending.push([layer, names.map((n, i) => tf.tensor(weight(n).values, shapes?.[i] ?? weight(n).shape))])
    return layer
  }
  const apply = (layer: import('@tensorflow/tfjs-layers').layers.Layer, x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor =>
    layer.apply(x) as SymbolicTensor

  const run = (layers: LayerSpec[], x: SymbolicTensor): SymbolicTensor => {
    for (const layer of layers) x = runLayer(layer, x)
    return x
  }
  const runLayer = (layer: LayerSpec, x: SymbolicTensor): SymbolicTensor => {
    const channels = x.shape[x.shape.length - 1] as number
    switch (layer.kind) {
      case 'conv': {
        const names = [`${layer.name}/kernel`, ...(layer.bias ? [`${layer.name}/bias`] : [])]
        const conv = tfl.layers.conv2d({
          name: layerName(layer.name),
          filters: layer.filters,
          kernelSize: layer.kernel,
          strides: layer.stride,
          padding: layer.padding,
          useBias: layer.bias === true
        })
        return apply(withWeights(conv, names), x)
      }
      case 'depthwise': {
        const conv = tfl.layers.depthwiseConv2d({
          name: layerName(layer.name),
          kernelSize: layer.kernel,
          strides: layer.stride,
          padding: layer.padding,
          depthMultiplier: 1,
          useBias: false
        })
        return apply(withWeights(conv, [`${layer.name}/kernel`]), x)
      }
      case 'bn': {
        const bn = tfl.layers.batchNormalization({ name: layerName(layer.name), axis: -1, epsilon: BN_EPSILON })
        return apply(
          withWeights(
            bn,
            ['gamma', 'beta', 'mean', 'variance'].map((p) => `${layer.name}/${p}`)
          ),
          x
        )
      }
      case 'relu':
        return apply(tfl.layers.reLU({}), x)
      case 'prelu': {
        const map = x.shape.length === 4
        const prelu = tfl.layers.prelu({ name: layerName(layer.name), sharedAxes: map ? [1, 2] : undefined })
        return apply(withWeights(prelu, [`${layer.name}/alpha`], [map ? [1, 1, channels] : [channels]]), x)
      }
      case 'maxpool':
        return apply(tfl.layers.maxPooling2d({ poolSize: layer.size, strides: layer.stride, padding: 'valid' }), x)
      case 'flatten':
        return apply(tfl.layers.flatten({}), x)
      case 'dense': {
        const names = [`${layer.name}/kernel`, ...(layer.bias !== false ? [`${layer.name}/bias`] : [])]
        const dense = tfl.layers.dense({ name: layerName(layer.name), units: layer.units, useBias: layer.bias !== false })
        return apply(withWeights(dense, names), x)
      }
      case 'dropout':
        // Inference model: dropout is the identity.
        return x
      case 'residual': {
        const body = run(layer.body, x)
        const short = run(layer.shortcut, x)
        return apply(tfl.layers.add({ name: layerName(layer.name) }), [body, short])
      }
    }
  }

  const input = tfl.input({ shape: spec.input, name: 'input' })
  const model = tfl.model({ inputs: input, outputs: run(spec.layers, input), name: spec.family.replace(/[^A-Za-z0-9_]/g, '_') })
  for (const [layer, values] of pending) {
    layer.setWeights(values)
    values.forEach((v) => v.dispose())
  }
  return model
}

export interface TfjsExportResult {
  dir: string
  files: string[]
  ok: boolean
  comparisons: BatchComparison[]
  reportFile: string
}

async function embedWith(model: LayersModel, source: ImageSource, indices: number[]): Promise<Float32Array> {
  const [h, w, c] = source.shape
  const pixels = h * w * c
  const batch = new Float32Array(indices.length * pixels)
  indices.forEach((index, i) => source.write(index, batch, i * pixels))
  const out = tf.tidy(() => model.predict(tf.tensor4d(batch, [indices.length, h, w, c])) as tf.Tensor)
  const values = (await out.data()) as Float32Array
  out.dispose()
  return l2NormalizeRows(values, out.shape[1] as number)
}

/** Writes `dir/model.json` + `dir/weights.bin`, loads them back and compares with the app. */
export async function exportTfjs(options: {
  dir: string
  spec: BackboneSpec
  weights: Map<string, WeightValue>
  backbone: Backbone
  real: RealImages
  metadata: Record<string, string>
}): Promise<TfjsExportResult> {
  const lookup = (name: string): WeightValue => {
    const value = options.weights.get(name)
    if (!value) throw new Error(`the weights have no tensor ${name}, which the ${options.spec.family} backbone needs`)
    return value
  }
  const model = buildLayersModel(options.spec, lookup)
  let artifacts: import('@tensorflow/tfjs-core').io.ModelArtifacts | undefined
  try {
    await model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
      })
    )
  } finally {
    model.dispose()
  }
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tfjs-layers saved no weights')
  const weightData = Array.isArray(artifacts.weightData)
    ? tf.io.concatenateArrayBuffers(artifacts.weightData)
    : artifacts.weightData
  const weightsFile = join(options.dir, 'weights.bin')
  const modelFile = join(options.dir, 'model.json')
  // Weights first: a model.json on disk always has its weights beside it.
  writeFileAtomic(weightsFile, new Uint8Array(weightData))
  writeJsonAtomic(modelFile, {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    userDefinedMetadata: options.metadata
  })

  // Load what is on disk, as a user would, and compare with the app's embeddings.
  const json = JSON.parse(readFileSync(modelFile, 'utf8')) as {
    modelTopology: object
    weightsManifest: { weights: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[] }[]
  }
  const bytes = readFileSync(weightsFile)
  const loaded = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    })
  )
  const comparisons: BatchComparison[] = []
  try {
    const compare = async (batch: string, source: ImageSource, indices: number[]): Promise<void> => {
      const expected = await embedImages(options.backbone, source, indices, { batchSize: indices.length })
      const actual = await embedWith(loaded, source, indices)
      const { maxAbsDiff, minCosine } = compareEmbeddings(expected, actual, options.backbone.embeddingDim)
      const ok = maxAbsDiff <= DEFAULT_TOLERANCE.maxAbsDiff && minCosine >= DEFAULT_TOLERANCE.minCosine
      comparisons.push({ batch, images: indices.length, maxAbsDiff, minCosine, ok })
    }
    await compare(
      'random',
      randomSource(options.spec.input, 32, 1234),
      Array.from({ length: 32 }, (_, i) => i)
    )
    if (!('unavailable' in options.real)) await compare('real', options.real.source, options.real.indices)
  } finally {
    loaded.dispose()
  }
  const ok = comparisons.every((c) => c.ok)
  const reportFile = join(options.dir, 'validation.json')
  writeJsonAtomic(reportFile, {
    ok,
    format: 'tfjs layers-model',
    comparisons,
    tolerance: DEFAULT_TOLERANCE,
    validatedAt: new Date().toISOString()
  })
  return { dir: options.dir, files: [modelFile, weightsFile], ok, comparisons, reportFile }
}
