// A backbone is a declarative list of layers. The same description drives parameter creation,
// the forward pass, the MAC count and (later) the ONNX writer, so they cannot drift apart.

export type Padding = 'same' | 'valid'

export type LayerSpec =
  | { kind: 'conv'; name: string; filters: number; kernel: number; stride: number; padding: Padding; bias?: boolean }
  | { kind: 'depthwise'; name: string; kernel: number; stride: number; padding: Padding }
  | { kind: 'bn'; name: string }
  | { kind: 'relu' }
  | { kind: 'prelu'; name: string }
  | { kind: 'maxpool'; size: number; stride: number }
  | { kind: 'flatten' }
  | { kind: 'dense'; name: string; units: number; bias?: boolean }
  | { kind: 'dropout'; rate: number }
  /** y = body(x) + shortcut(x); an empty shortcut is the identity. */
  | { kind: 'residual'; name: string; body: LayerSpec[]; shortcut: LayerSpec[] }

export interface BackboneSpec {
  /** Identifier of the architecture family, recorded with every run. */
  family: string
  /** Input [height, width, channels], NHWC as tfjs uses it. */
  input: [number, number, number]
  layers: LayerSpec[]
}

/** Shape of one example flowing through the network: [h, w, c] for maps, [n] after flatten. */
export type ExampleShape = [number, number, number] | [number]

export function convOutputSize(size: number, kernel: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1
}
