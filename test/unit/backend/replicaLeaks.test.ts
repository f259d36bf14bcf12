// A replica gives back every tensor it made: on a GPU, a tensor left behind per replica or per
// step is device memory that only a restart returns.
import { beforeAll, describe, expect, it } from 'vitest'
import { tf } from '../../../src/core/tf'
import { initBackend } from '../../../src/core/backend'
import { backboneSpec } from '../../../src/core/models'
import { Replica, type ReplicaSpec } from '../../../src/core/train/replica'
import type { LossName } from '../../../src/core/losses'
import { batchFor } from './backendCompare'

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

const spec = (loss: LossName, optimizer: ReplicaSpec['optimizer']): ReplicaSpec => ({
  backbone: backboneSpec('glyph-cnn', { embeddingDim: 16 }),
  loss,
  lossParams: loss === 'dsoftmax-k' ? { count: 3 } : {},
  optimizer,
  classes: 6,
  seed: 3,
  samplingSeed: 4
})

describe('tensor bookkeeping of a replica', () => {
  for (const [loss, optimizer] of [
    ['softmax', { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4, clipNorm: 1 }],
    ['arcface', { kind: 'adamw', lr: 0.01, weightDecay: 0.05 }],
    ['dsoftmax-k', { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 }]
  ] as [LossName, ReplicaSpec['optimizer']][]) {
    it(`${loss} with ${optimizer.kind}: steps keep the tensor count flat, and dispose returns it to where it started`, async () => {
      const before = tf.memory().numTensors
      const replica = new Replica(spec(loss, optimizer))
      const { images, labels } = batchFor(replica.spec, 4)
      await replica.step(images, labels, 4, 0.1)
      const afterOne = tf.memory().numTensors
      for (let i = 0; i < 3; i++) await replica.step(images, labels, 4, 0.1)
      expect(tf.memory().numTensors - afterOne, 'tensors added by three more steps').toBe(0)
      replica.dispose()
      expect(tf.memory().numTensors - before, 'tensors left after dispose').toBe(0)
    })
  }
})
