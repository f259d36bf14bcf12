// A tiny backbone for replica tests. No batch norm: then the loss of a batch is exactly the
// size-weighted mean of its shares' losses, and replicas can be compared step for step.
import type { BackboneSpec } from '../../../src/core/models'

export const plainNet: BackboneSpec = {
  family: 'test-plain',
  input: [8, 8, 1],
  layers: [
    { kind: 'conv', name: 'c1', filters: 4, kernel: 3, stride: 2, padding: 'same', bias: true },
    { kind: 'relu' },
    { kind: 'flatten' },
    { kind: 'dense', name: 'fc', units: 6 }
  ]
}
