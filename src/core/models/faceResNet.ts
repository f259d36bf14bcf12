// Residual face backbones in insightface's "IR" (improved residual) form, as in ArcFace's iresnet:
// units BN-conv3×3-BN-PReLU-conv3×3(stride)-BN plus a 1×1 conv+BN projection where the shape
// changes; a conv3×3-BN-PReLU stem; four stages that each halve the resolution; and the
// BN-dropout-flatten-FC-BN output block. IR-50 here is insightface's iresnet50: basic IR units
// [3, 4, 14, 3], not bottleneck units.
import type { BackboneOptions } from './options'
import type { BackboneSpec, LayerSpec } from './spec'

export interface FaceResNetOptions extends BackboneOptions {
  /** Residual units per stage (IR-18 is [2, 2, 2, 2]). */
  blocks?: number[]
  /** Channel width per stage. */
  widths?: number[]
  dropout?: number
  /** Family name recorded with the run (default 'face-resnet'). */
  family?: string
}

/** Units per stage of the standard depths, as in insightface's iresnet18/34/50. */
export const IR_BLOCKS = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 14, 3] } as const
export type IrDepth = keyof typeof IR_BLOCKS
/** The standard widths of the four stages. */
export const IR_WIDTHS = [64, 128, 256, 512] as const

function irUnit(name: string, inChannels: number, filters: number, stride: number): LayerSpec {
  const body: LayerSpec[] = [
    { kind: 'bn', name: `${name}/bn1` },
    { kind: 'conv', name: `${name}/conv1`, filters, kernel: 3, stride: 1, padding: 'same' },
    { kind: 'bn', name: `${name}/bn2` },
    { kind: 'prelu', name: `${name}/prelu` },
    { kind: 'conv', name: `${name}/conv2`, filters, kernel: 3, stride, padding: 'same' },
    { kind: 'bn', name: `${name}/bn3` }
  ]
  const shortcut: LayerSpec[] =
    stride === 1 && inChannels === filters
      ? []
      : [
          { kind: 'conv', name: `${name}/down`, filters, kernel: 1, stride, padding: 'same' },
          { kind: 'bn', name: `${name}/down/bn` }
        ]
  return { kind: 'residual', name, body, shortcut }
}

/**
 * IR-style residual backbone with any stage layout. The defaults ([2, 2, 2, 2] units, widths
 * 32-64-128-256) are deliberately narrow so it trains on a CPU; irResNet gives the standard nets.
 * The embedding layer is FC without bias then BN (insightface: FC with bias, then BN with a
 * frozen scale): the same function class, 512 values fewer at 512-D.
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
      layers.push(irUnit(`stage${stage + 1}/block${b + 1}`, channels, widths[stage], b === 0 ? 2 : 1))
      channels = widths[stage]
    }
  })
  layers.push(
    { kind: 'bn', name: 'output/bn' },
    { kind: 'dropout', rate: options.dropout ?? 0 },
    { kind: 'flatten' },
    { kind: 'dense', name: 'embedding', units: options.embeddingDim, bias: false },
    { kind: 'bn', name: 'embedding/bn' }
  )
  return { family: options.family ?? 'face-resnet', input: [size, size, options.channels ?? 3], layers }
}

/** The standard IR-18/34/50 for 112×112 RGB faces (7×7×512 before the embedding layer). */
export function irResNet(depth: IrDepth, options: BackboneOptions): BackboneSpec {
  return faceResNet({ ...options, blocks: [...IR_BLOCKS[depth]], widths: [...IR_WIDTHS], family: `ir-${depth}` })
}
