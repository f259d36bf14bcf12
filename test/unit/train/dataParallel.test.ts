// Data-parallel training: worker-thread replicas start identical, stay identical, and the
// size-weighted average of per-share gradients equals the whole-batch gradient.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { Replica, WorkerReplicas, type ReplicaSpec } from '../../../src/core/train'
import { createRng } from '../../../src/core/util/rng'
import { plainNet } from './plainNet'

const spec: ReplicaSpec = {
  backbone: plainNet,
  loss: 'dsoftmax',
  lossParams: { s: 10, d: 0.8 },
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
  classes: 5,
  seed: 11,
  samplingSeed: 12
}

const batch = 10
const rng = createRng(4)
const images = Float32Array.from({ length: batch * 64 }, () => rng.next() * 2 - 1)
const labels = Int32Array.from({ length: batch }, (_, i) => i % 5)

let pool: WorkerReplicas
beforeAll(async () => {
  await initBackend({ force: 'wasm' })
  pool = await WorkerReplicas.start(1, { backend: 'wasm', spec })
})
afterAll(async () => {
  await pool?.close()
})

describe('data-parallel replicas', () => {
  it('start from identical weights', async () => {
    const local = new Replica(spec)
    expect(Array.from(await pool.weights(0))).toEqual(Array.from(await local.flatWeights()))
    local.dispose()
  })

  it('average their share gradients to the whole-batch gradient, and stay identical after updates', async () => {
    const local = new Replica(spec)
    const whole = new Replica(spec)
    for (let step = 0; step < 3; step++) {
      // Reference: the whole batch on one replica.
      const full = await whole.gradients(images, labels, batch)
      const fullFlat = await whole.flatten(full.grads)
      // Shares of 6 and 4: 6 here, 4 on the worker thread.
      const remote = pool.gradients(0, images.subarray(6 * 64), labels.subarray(6))
      const own = await local.gradients(images, labels, 6)
      const ownFlat = await local.flatten(own.grads)
      const other = await remote
      const average = ownFlat.map((g, i) => 0.6 * g + 0.4 * other.flat[i])
      const maxDiff = average.reduce((m, g, i) => Math.max(m, Math.abs(g - fullFlat[i])), 0)
      expect(maxDiff).toBeLessThan(1e-5)
      expect(0.6 * own.values[0] + 0.4 * other.values[0]).toBeCloseTo(full.values[0], 4)
      local.applyFlat(average, 0.1)
      pool.apply(average, 0.1)
      whole.applyFlat(fullFlat, 0.1)
    }
    // Same averaged updates, same backend: the two copies are bit-for-bit equal.
    expect(Array.from(await pool.weights(0))).toEqual(Array.from(await local.flatWeights()))
    local.dispose()
    whole.dispose()
  })

  it('reports a failure inside the worker as an error, not a hang', async () => {
    await expect(pool.gradients(0, new Float32Array(3), Int32Array.of(0))).rejects.toThrow(/training worker/)
  })
})
