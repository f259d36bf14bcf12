// The backbones the app offers, as specs. Sizes are chosen for the CPU/wasm budget of a laptop.
import type { BackboneSpec, LayerSpec } from './spec'

export interface BackboneOptions {
  embeddingDim: number
  /** Input side in pixels (square). */
  inputSize?: number
  /** Input channels: 1 for the glyph task, 3 (RGB) for faces. */
  channels?: number
}

const convBnRelu = (name: string, filters: number, stride: number): LayerSpec[] => [
  { kind: 'conv', name: `${name}/conv`, filters, kernel: 3, stride, padding: 'same' },
  { kind: 'bn', name: `${name}/bn` },
  { kind: 'relu' }
]

/**
 * Small plain CNN for 32×32 glyphs: widths 8-16-16-32-32-64, three stride-2 stages, about
 * 2.3 M multiply-accumulates per image, then a dense embedding with batch norm.
 */
export function glyphCnn(options: BackboneOptions): BackboneSpec {
  const size = options.inputSize ?? 32
  const widths: [number, number][] = [[8, 1], [16, 2], [16, 1], [32, 2], [32, 1], [64, 2]]
  return {
    family: 'glyph-cnn',
    input: [size, size, options.channels ?? 1],
    layers: [
      ...widths.flatMap(([filters, stride], i) => convBnRelu(`block${i + 1}`, filters, stride)),
      { kind: 'flatten' },
      { kind: 'dense', name: 'embedding', units: options.embeddingDim, bias: false },
      { kind: 'bn', name: 'embedding/bn' }
    ]
  }
}

/**
 * The fixed reference model of the training benchmark: 64×64×3 input, seven conv3×3+BN+ReLU
 * blocks (16, 32/2, 32, 64/2, 64, 128/2, 128), flatten, 128-D embedding; about 45 M MAC/image.
 */
export function referenceNet(): BackboneSpec {
  const widths: [number, number][] = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1]]
  return {
    family: 'reference-net',
    input: [64, 64, 3],
    layers: [
      ...widths.flatMap(([filters, stride], i) => convBnRelu(`block${i + 1}`, filters, stride)),
      { kind: 'flatten' },
      { kind: 'dense', name: 'embedding', units: 128 }
    ]
  }
}

export interface FaceResNetOptions extends BackboneOptions {
  /** Residual blocks per stage (ResNet-18 style is [2, 2, 2, 2]). */
  blocks?: number[]
  /** Channel width per stage. */
  widths?: number[]
  dropout?: number
}

/**
 * ResNet-style face backbone in the "improved residual" form used by ArcFace models:
 * BN-conv-BN-PReLU-conv-BN blocks, each stage halving the resolution, then BN-dropout-FC-BN.
 * The defaults are deliberately narrow so it trains on a CPU; widen for real face data.
 */
export function faceResNet(options: FaceResNetOptions): BackboneSpec {
  const blocks = options.blocks ?? [2, 2, 2, 2]
  const widths = options.widths ?? [32, 64, 128, 256]
  if (blocks.length !== widths.length) throw new Error('faceResNet: blocks and widths must have the same length')
  const size = options.inputSize ?? 112
  const layers: LayerSpec[] = [
    { kind: 'conv', name: 'stem/conv', filters: widths[0], kernel: 3, stride: 1, padding: 'same' },
    { kind: 'bn', name: 'stem/bn' },
    { kind: 'prelu', name: 'stem/prelu' }
  ]
  let channels = widths[0]
  blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) {
      const name = `stage${stage + 1}/block${b + 1}`
      const stride = b === 0 ? 2 : 1
      const filters = widths[stage]
      const body: LayerSpec[] = [
        { kind: 'bn', name: `${name}/bn1` },
        { kind: 'conv', name: `${name}/conv1`, filters, kernel: 3, stride: 1, padding: 'same' },
        { kind: 'bn', name: `${name}/bn2` },
        { kind: 'prelu', name: `${name}/prelu` },
        { kind: 'conv', name: `${name}/conv2`, filters, kernel: 3, stride, padding: 'same' },
        { kind: 'bn', name: `${name}/bn3` }
      ]
      const shortcut: LayerSpec[] =
        stride === 1 && channels === filters
          ? []
          : [
              { kind: 'conv', name: `${name}/down`, filters, kernel: 1, stride, padding: 'same' },
              { kind: 'bn', name: `${name}/down/bn` }
            ]
      layers.push({ kind: 'residual', name, body, shortcut })
      channels = filters
    }
  })
  layers.push(
    { kind: 'bn', name: 'output/bn' },
    { kind: 'dropout', rate: options.dropout ?? 0 },
    { kind: 'flatten' },
    { kind: 'dense', name: 'embedding', units: options.embeddingDim, bias: false },
    { kind: 'bn', name: 'embedding/bn' }
  )
  return { family: 'face-resnet', input: [size, size, options.channels ?? 3], layers }
}

export type BackboneName = 'glyph-cnn' | 'face-resnet' | 'reference-net'
export const BACKBONE_NAMES: readonly BackboneName[] = ['glyph-cnn', 'face-resnet', 'reference-net']

export function backboneSpec(name: BackboneName, options: BackboneOptions): BackboneSpec {
  switch (name) {
    case 'glyph-cnn':
      return glyphCnn(options)
    case 'face-resnet':
      return faceResNet(options)
    case 'reference-net':
      return referenceNet()
  }
}
