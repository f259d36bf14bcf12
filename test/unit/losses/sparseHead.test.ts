// The sparse head in training: a step through the store equals the same step on a dense centre
// variable with the engine's SGD; a D-Softmax-K/-B replica never creates nor touches the whole
// [classes × dim] matrix; data-parallel replicas merge row gradients and stay identical.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import {
  SparseHead,
  createTrainingHead,
  gatherPlannedRows,
  gatheredLoss,
  headLoss,
  mergeRowGradients,
  rowGradients,
  seededRng,
  type FastLossName
} from '../../../src/core/losses'
import { Replica, WorkerReplicas, type ReplicaSpec } from '../../../src/core/train'
import { SgdOptimizer } from '../../../src/core/train/optimizer'
import { createRng } from '../../../src/core/util/rng'
import { plainNet } from '../train/plainNet'
import { tf } from './helpers'

function spec(loss: FastLossName, classes: number): ReplicaSpec {
  return {
    backbone: plainNet,
    loss,
    lossParams: { s: 10, d: 0.8, rate: 1 / 8 },
    optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
    classes,
    seed: 11,
    samplingSeed: 12
  }
}

const batch = 10
const rng = createRng(4)
const images = Float32Array.from({ length: batch * 64 }, () => rng.next() * 2 - 1)

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('sparse head step', () => {
  for (const loss of ['dsoftmax-k', 'dsoftmax-b'] as const) {
    it(`${loss}: store updates equal dense-variable SGD on the same rows, and the embedding gradient matches`, async () => {
      const classes = 40
      const dim = 6
      const head = createTrainingHead(loss, classes, dim, 3, { kind: 'sgd', momentum: 0.9, weightDecay: 0.01 }) as SparseHead
      const centres = tf.variable(tf.tensor2d(head.store.values(), [classes, dim]))
      const optimizer = new SgdOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, [
        { name: 'c', variable: centres, decay: true }
      ])
      const params = { s: 10, d: 0.8, rate: 1 / 8 }
      const sample = seededRng(5)
      const data = createRng(6)
      for (let t = 0; t < 6; t++) {
        const labels = Int32Array.from({ length: 8 }, () => data.int(classes))
        const x = tf.variable(tf.randomNormal([8, dim], 0, 1, 'float32', t))
        const lr = 0.05 * (t + 1)
        const gathered = gatherPlannedRows(loss, params, labels, head.store, sample)
        const sparse = tf.variableGrads(() => gatheredLoss(loss, params, x as tf.Tensor2D, gathered).loss, [x, gathered.rows])
        head.update(await rowGradients(gathered.plan, sparse.grads[gathered.rows.name]), lr)
        // Dense reference: the same negatives through the dense head.
        const negatives = tf.tensor1d(
          Int32Array.from(gathered.plan.negativeSlots, (s) => gathered.plan.classes[s]),
          'int32'
        )
        const y = tf.tensor1d(labels, 'int32')
        const dense = tf.variableGrads(
          () => headLoss(loss, params, x as tf.Tensor2D, y, { centres }, negatives).loss,
          [x, centres]
        )
        optimizer.step({ [centres.name]: dense.grads[centres.name] }, lr)
        expect(sparse.value.dataSync()[0]).toBeCloseTo(dense.value.dataSync()[0], 5)
        const gx = sparse.grads[x.name].dataSync()
        dense.grads[x.name].dataSync().forEach((g, i) => expect(gx[i]).toBeCloseTo(g, 5))
        tf.dispose([
          x,
          y,
          negatives,
          gathered.rows,
          sparse.value,
          dense.value,
          ...Object.values(sparse.grads),
          ...Object.values(dense.grads)
        ])
      }
      const got = head.store.values()
      centres.dataSync().forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5))
      optimizer.dispose()
      centres.dispose()
      head.dispose()
    })
  }

  it('mergeRowGradients sums weighted rows over replicas, rows ascending', () => {
    const merged = mergeRowGradients([
      { gradients: { classes: Int32Array.of(5, 2), grads: Float32Array.of(1, 2, 3, 4) }, weight: 0.5 },
      { gradients: { classes: Int32Array.of(2, 9), grads: Float32Array.of(10, 20, 30, 40) }, weight: 0.25 }
    ])
    expect(Array.from(merged.classes)).toEqual([2, 5, 9])
    // class 2: 0.5·[3, 4] + 0.25·[10, 20]; class 5: 0.5·[1, 2]; class 9: 0.25·[30, 40]
    expect(Array.from(merged.grads)).toEqual([4, 7, 0.5, 1, 7.5, 10])
    expect(() =>
      mergeRowGradients([
        { gradients: { classes: Int32Array.of(1), grads: new Float32Array(3) }, weight: 1 },
        { gradients: { classes: Int32Array.of(2), grads: new Float32Array(2) }, weight: 1 }
      ])
    ).toThrow(/need 3 values, got 2/)
  })
})

describe('a D-Softmax-K replica with many classes', () => {
  /** One replica's step with K = 2000 sampled negatives: what it allocates in tf and touches in the store. */
  async function measure(
    classes: number
  ): Promise<{ peakBytes: number; largestRows: number; rowsRead: number; rowsWritten: number; headBytes: number }> {
    const before = tf.memory().numBytes
    const replica = new Replica({ ...spec('dsoftmax-k', classes), lossParams: { s: 10, d: 0.8, count: 2000 } })
    const headBytes = tf.memory().numBytes - before
    expect(replica.head).toBeInstanceOf(SparseHead)
    const store = (replica.head as SparseHead).store
    const labels = Int32Array.from({ length: batch }, (_, i) => (i * 997) % classes)
    await replica.step(images, labels, batch, 0.1)
    store.counters.rowsRead = 0
    store.counters.rowsWritten = 0
    const start = tf.memory().numBytes
    const profile = await tf.profile(async () => {
      await replica.step(images, labels, batch, 0.1)
    })
    const largestRows = Math.max(...profile.kernels.flatMap((k) => k.outputShapes.map((shape) => shape[0] ?? 0)))
    const result = { peakBytes: profile.peakBytes - start, largestRows, headBytes, ...store.counters }
    replica.dispose()
    return result
  }

  it('creates no dense centre tensor; a step allocates the same and touches the same rows at 20 000 and 1 000 000 classes', async () => {
    const small = await measure(20_000)
    const large = await measure(1_000_000)
    // A 1M × 6 float32 matrix would be 24 MB: the replica's tf memory is the tiny backbone's alone.
    expect(large.headBytes).toBe(small.headBytes)
    expect(large.headBytes).toBeLessThan(10_000)
    // The step's tensors are sized by K and the batch, never by the class count.
    expect(large.largestRows).toBeLessThanOrEqual(2000 + batch)
    expect(large.peakBytes).toBeLessThanOrEqual(small.peakBytes * 1.05)
    for (const m of [small, large]) {
      // ≤ 2010 distinct rows: each read at the gather and at the update, written at most twice.
      expect(m.rowsRead).toBeGreaterThanOrEqual(2 * 1900)
      expect(m.rowsRead).toBeLessThanOrEqual(2 * (2000 + batch))
      expect(m.rowsWritten).toBeLessThanOrEqual(2 * (2000 + batch))
    }
  })

  it('refuses an optimizer the store does not implement, and a Softmax step on the sparse centres', async () => {
    expect(() => new Replica({ ...spec('dsoftmax-k', 20), optimizer: { kind: 'adam', lr: 0.01, weightDecay: 0 } })).toThrow(
      /SGD .* only; optimizer "adam" is not supported/
    )
    const replica = new Replica(spec('dsoftmax-b', 20))
    const labels = Int32Array.from({ length: batch }, (_, i) => i % 20)
    await expect(replica.step(images, labels, batch, 0.1, { loss: 'softmax', lossParams: {} })).rejects.toThrow(
      /sparse store; a softmax step would need the whole centre matrix/
    )
    replica.dispose()
  })
})

describe('data-parallel sparse heads', () => {
  let pool: WorkerReplicas | undefined
  afterAll(async () => {
    await pool?.close()
  })

  it('a worker thread and this thread merge their row gradients and keep identical centre stores', async () => {
    const s = spec('dsoftmax-k', 50)
    pool = await WorkerReplicas.start(1, { backend: 'wasm', spec: { ...s, samplingSeed: 99 } })
    const local = new Replica(s)
    const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 50)
    for (let step = 0; step < 3; step++) {
      const remote = pool.gradients(0, images.subarray(6 * 64), labels.subarray(6))
      const own = await local.gradients(images, labels, 6)
      const ownFlat = await local.flatten(own.grads)
      const other = await remote
      expect(other.rows?.classes.length).toBeGreaterThan(0)
      const average = ownFlat.map((g, i) => 0.6 * g + 0.4 * other.flat[i])
      const rows = mergeRowGradients([
        { gradients: own.rows!, weight: 0.6 },
        { gradients: other.rows!, weight: 0.4 }
      ])
      local.applyFlat(average, 0.1, rows)
      pool.apply(average, 0.1, rows)
    }
    const mine = await local.flatWeights()
    const theirs = await pool.weights(0)
    expect(theirs.length).toBe(mine.length)
    expect(Array.from(theirs)).toEqual(Array.from(mine))
    local.dispose()
  })
})
