// The backbones the app offers, as specs. Sizes are chosen for the CPU/wasm budget of a laptop.
import type { BackboneSpec, LayerSpec } from './spec'
import type { BackboneOptions } from './options'
import { faceResNet, irResNet } from './faceResNet'
import { mobileFaceNet } from './mobileFaceNet'
import { BACKBONE_NAMES, isOneOf, type BackboneName } from '../../common/names'

export type { BackboneOptions } from './options'
export { faceResNet, irResNet, IR_BLOCKS, IR_WIDTHS, type FaceResNetOptions, type IrDepth } from './faceResNet'
export { mobileFaceNet, MOBILEFACENET_BOTTLENECKS } from './mobileFaceNet'

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
  const widths: [number, number][] = [
    [8, 1],
    [16, 2],
    [16, 1],
    [32, 2],
    [32, 1],
    [64, 2]
  ]
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
 * The glyph CNN with a plain linear embedding layer (dense with bias, no batch norm after it), for
 * low-dimensional geometry studies: batch norm over a 3-D embedding re-centres every batch by
 * its class mix, which keeps clusters from tightening.
 */
export function glyphCnnLinear(options: BackboneOptions): BackboneSpec {
  const spec = glyphCnn(options)
  const layers = spec.layers.filter((l) => !(l.kind === 'bn' && l.name === 'embedding/bn'))
  return {
    family: 'glyph-cnn-linear',
    input: spec.input,
    layers: layers.map((l) => (l.kind === 'dense' && l.name === 'embedding' ? { ...l, bias: true } : l))
  }
}

/**
 * The fixed reference model of the training benchmark: 64×64×3 input, seven conv3×3+BN+ReLU
 * blocks (16, 32/2, 32, 64/2, 64, 128/2, 128), flatten, 128-D embedding; about 45 M MAC/image.
 */
export function referenceNet(): BackboneSpec {
  const widths: [number, number][] = [
    [16, 1],
    [32, 2],
    [32, 1],
    [64, 2],
    [64, 1],
    [128, 2],
    [128, 1]
  ]
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

export { BACKBONE_NAMES, type BackboneName } from '../../common/names'

export function isBackboneName(value: unknown): value is BackboneName {
  return isOneOf(BACKBONE_NAMES, value)
}

export interface BackboneInfo {
  description: string
  /** The input the architecture is designed for: [side, channels]. */
  input: [side: number, channels: 1 | 3]
  /** The embedding size it is usually trained with. */
  embeddingDim: number
}

/** What each backbone is for and its usual configuration (listings, UI defaults). */
export const BACKBONE_INFO: Readonly<Record<BackboneName, BackboneInfo>> = {
  'glyph-cnn': { description: 'small plain CNN for the bundled 32×32 glyphs', input: [32, 1], embeddingDim: 128 },
  'glyph-cnn-linear': {
    description: 'the glyph CNN with a linear embedding (no batch norm): Figure 1 study',
    input: [32, 1],
    embeddingDim: 3
  },
  'face-resnet': { description: 'narrow IR-18 layout (widths 32-256) that trains on a CPU', input: [112, 3], embeddingDim: 128 },
  'reference-net': { description: 'fixed benchmark model (64×64×3 input, 128-D)', input: [64, 3], embeddingDim: 128 },
  mobilefacenet: { description: 'MobileFaceNet: depthwise bottlenecks, PReLU, GDC head', input: [112, 3], embeddingDim: 128 },
  'ir-18': { description: 'insightface iresnet18: IR units [2, 2, 2, 2], widths 64-512', input: [112, 3], embeddingDim: 512 },
  'ir-34': { description: 'insightface iresnet34: IR units [3, 4, 6, 3], widths 64-512', input: [112, 3], embeddingDim: 512 },
  'ir-50': {
    description: 'insightface iresnet50: IR units [3, 4, 14, 3] (basic, not bottleneck)',
    input: [112, 3],
    embeddingDim: 512
  }
}

/**
 * The channels a backbone's images have: 1 (grayscale) for the glyph models, 3 (RGB) for the face
 * models. Every process asks here (data loading, estimates), so they cannot disagree.
 */
export function inputChannels(name: BackboneName): 1 | 3 {
  return BACKBONE_INFO[name].input[1]
}

export function backboneSpec(name: BackboneName, options: BackboneOptions): BackboneSpec {
  switch (name) {
    case 'glyph-cnn':
      return glyphCnn(options)
    case 'glyph-cnn-linear':
      return glyphCnnLinear(options)
    case 'face-resnet':
      return faceResNet(options)
    case 'reference-net':
      return referenceNet()
    case 'mobilefacenet':
      return mobileFaceNet(options)
    case 'ir-18':
      return irResNet(18, options)
    case 'ir-34':
      return irResNet(34, options)
    case 'ir-50':
      return irResNet(50, options)
  }
}
