// MobileFaceNet (Chen et al., 2018): a MobileNetV2-style network for 112×112 faces, ~1 M parameters
// and ~221 M MACs at 128-D. Stem conv3×3/2 and depthwise conv3×3, both BN+PReLU; inverted residual
// bottlenecks (1×1 expand, depthwise 3×3, linear 1×1 project, with an identity shortcut where the
// shape is kept); a 1×1 conv to 512; then the "global depthwise convolution" (GDC): a linear
// depthwise conv whose kernel covers the whole 7×7 map, instead of global average pooling; and a
// linear 1×1 conv to the embedding, written as flatten + dense (the same on a 1×1 map).
import type { BackboneOptions } from './options'
import { convOutputSize, type BackboneSpec, type LayerSpec } from './spec'

/** The bottleneck table of the paper: expansion t, output channels c, repeats n, first stride s. */
export const MOBILEFACENET_BOTTLENECKS: readonly (readonly [t: number, c: number, n: number, s: number])[] = [
  [2, 64, 5, 2],
  [4, 128, 1, 2],
  [2, 128, 6, 1],
  [4, 128, 1, 2],
  [2, 128, 2, 1]
]

const bnPrelu = (name: string): LayerSpec[] => [
  { kind: 'bn', name: `${name}/bn` },
  { kind: 'prelu', name: `${name}/prelu` }
]

function bottleneck(name: string, inChannels: number, expansion: number, outChannels: number, stride: number): LayerSpec[] {
  const expanded = inChannels * expansion
  const body: LayerSpec[] = [
    { kind: 'conv', name: `${name}/expand`, filters: expanded, kernel: 1, stride: 1, padding: 'same' },
    ...bnPrelu(`${name}/expand`),
    { kind: 'depthwise', name: `${name}/dw`, kernel: 3, stride, padding: 'same' },
    ...bnPrelu(`${name}/dw`),
    { kind: 'conv', name: `${name}/project`, filters: outChannels, kernel: 1, stride: 1, padding: 'same' },
    { kind: 'bn', name: `${name}/project/bn` }
  ]
  return stride === 1 && inChannels === outChannels ? [{ kind: 'residual', name, body, shortcut: [] }] : body
}

/**
 * MobileFaceNet for a square input (112 by default). The GDC kernel is the size of the last
 * feature map (7×7 at 112, 2×2 at 32), so small inputs keep the architecture's shape.
 */
export function mobileFaceNet(options: BackboneOptions): BackboneSpec {
  const size = options.inputSize ?? 112
  const layers: LayerSpec[] = [
    { kind: 'conv', name: 'stem/conv', filters: 64, kernel: 3, stride: 2, padding: 'same' },
    ...bnPrelu('stem'),
    { kind: 'depthwise', name: 'stem/dw', kernel: 3, stride: 1, padding: 'same' },
    ...bnPrelu('stem/dw')
  ]
  let side = convOutputSize(size, 3, 2, 'same')
  let channels = 64
  MOBILEFACENET_BOTTLENECKS.forEach(([t, c, n, s], group) => {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1
      layers.push(...bottleneck(`bottleneck${group + 1}/${i + 1}`, channels, t, c, stride))
      side = convOutputSize(side, 3, stride, 'same')
      channels = c
    }
  })
  layers.push(
    { kind: 'conv', name: 'head/conv', filters: 512, kernel: 1, stride: 1, padding: 'same' },
    ...bnPrelu('head'),
    { kind: 'depthwise', name: 'gdc', kernel: side, stride: 1, padding: 'valid' },
    { kind: 'bn', name: 'gdc/bn' },
    { kind: 'flatten' },
    { kind: 'dense', name: 'embedding', units: options.embeddingDim, bias: false },
    { kind: 'bn', name: 'embedding/bn' }
  )
  return { family: 'mobilefacenet', input: [size, size, options.channels ?? 3], layers }
}
