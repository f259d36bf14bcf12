// Gradient clipping of a D-Softmax-K model: the global norm counts the sparse centre rows beside
// the dense weights, the reported norm is that global norm, and the rows are scaled like the rest.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { Replica, type ReplicaSpec } from '../../../src/core/train'
import { SparseHead } from '../../../src/core/losses'
import { createRng } from '../../../src/core/util/rng'
import { plainNet } from './plainNet'

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

const clipNorm = 0.05
const spec: ReplicaSpec = {
  backbone: plainNet,
  loss: 'dsoftmax-k',
  lossParams: { s: 10, d: 0.8, count: 3 },
  optimizer: { kind: 'sgd', lr: 1, momentum: 0, weightDecay: 0, clipNorm },
  classes: 20,
  seed: 11,
  samplingSeed: 12
}

describe('clipping with a sparse centre store', () => {
  it('measures and scales the dense weights and the centre rows together', async () => {
    const batch = 8
    const rng = createRng(4)
    const images = Float32Array.from({ length: batch * 64 }, () => rng.next() * 2 - 1)
    const labels = Int32Array.from({ length: batch }, (_, i) => (i * 3) % 20)
    // Twin replicas (same seeds, so the same negatives): one only measures, one steps.
    const probe = new Replica(spec)
    const stepped = new Replica(spec)
    const { grads, rows } = await probe.gradients(images, labels, batch)
    const dense = await probe.flatten(grads)
    expect(rows).toBeDefined()
    const rowGrads = rows?.grads as Float32Array
    const denseSquares = dense.reduce((s, g) => s + g * g, 0)
    const rowSquares = rowGrads.reduce((s, g) => s + g * g, 0)
    expect(rowSquares).toBeGreaterThan(0)
    const norm = Math.sqrt(denseSquares + rowSquares)
    expect(norm).toBeGreaterThan(clipNorm)

    const store = (stepped.head as SparseHead).store
    const classes = rows?.classes as Int32Array
    const before = store.gather(classes)
    await stepped.step(images, labels, batch, 1)
    expect(Math.abs((await stepped.lastGradNorm()) - norm) / norm).toBeLessThan(1e-4)
    // SGD without momentum or decay at lr 1: each row moves by −scale·g with the global clip scale.
    const scale = clipNorm / norm
    const after = store.gather(classes)
    after.forEach((w, i) => expect(w).toBeCloseTo(before[i] - scale * rowGrads[i], 6))
    probe.dispose()
    stepped.dispose()
  })
})
