// Data-parallel training equals one-replica training: on a batch-norm net (the glyph CNN: batch
// norm after every convolution and on the embedding) two replicas exchange batch-norm sums inside
// the step, so their losses follow a one-replica run of the same recipe to float rounding;
// D-Softmax-B/-K share one draw of negatives per batch, and a two-replica -K run that is killed and
// resumed ends bit-identical to its uninterrupted twin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../../../src/core/backend'
import {
  CheckpointStore,
  checkpointValues,
  presetConfig,
  trainModel,
  type LoadedCheckpoint,
  type TrainConfig,
  type TrainedModel
} from '../../../src/core/train'
import type { LabelledImageSet } from '../../../src/core/data/imageSets'
import { syntheticSet } from './syntheticSet'

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

function recipe(overrides: Partial<TrainConfig>): TrainConfig {
  return {
    ...presetConfig('fonts'),
    backbone: 'glyph-cnn',
    inputSize: 16,
    embeddingDim: 8,
    batchSize: 16,
    epochs: 1,
    steps: 20,
    lossParams: { s: 10, d: 0.9 },
    schedule: { kind: 'constant' },
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    augment: { shift: 1, flip: false },
    validateEvery: 0,
    replicas: 1,
    ...overrides
  }
}

async function losses(
  config: TrainConfig,
  data: LabelledImageSet
): Promise<{ losses: number[]; weights: Map<string, Float32Array> }> {
  const out: number[] = []
  const model = await trainModel(
    config,
    { train: data },
    { onEvent: (e) => e.type === 'step' && out.push(e.loss) },
    { backend: 'wasm' }
  )
  const weights = await namedWeights(model)
  model.dispose()
  return { losses: out, weights }
}

async function namedWeights(model: TrainedModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>()
  for (const w of model.weights()) out.set(w.name, await checkpointValues(w))
  return out
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12)

/**
 * A sparse-head run on 2 replicas against 1: the first step equal to float rounding (negatives
 * drawn per share instead of per batch change it by 1e-3 or more), and no drift beyond the
 * rounding that ten steps of a bouncing loss amplify (measured: up to 2.4e-5 relative by step 10).
 */
function expectFollows(one: number[], two: number[]): void {
  expect(two).toHaveLength(one.length)
  expect(relative(one[0], two[0])).toBeLessThan(1e-6)
  expect(Math.max(...one.map((l, i) => relative(l, two[i])))).toBeLessThan(1e-4)
}

describe('two replicas compute what one does', () => {
  const data = syntheticSet(4, 16, 3)

  it('batch-norm net, dense D-Softmax: 20 steps of losses within 1e-5 relative, running statistics equal to rounding', async () => {
    const one = await losses(recipe({ loss: 'dsoftmax' }), data)
    const two = await losses(recipe({ loss: 'dsoftmax', replicas: 2 }), data)
    expect(two.losses).toHaveLength(20)
    const worst = Math.max(...one.losses.map((l, i) => relative(l, two.losses[i])))
    console.log(`2 replicas vs 1, 20 steps on glyph-cnn (batch norm): largest relative loss difference ${worst.toExponential(2)}`)
    expect(worst).toBeLessThanOrEqual(1e-5)
    // Batch-norm running statistics now come from the whole batch on every replica.
    for (const name of ['block1/bn/mean', 'block1/bn/variance', 'embedding/bn/mean', 'embedding/bn/variance']) {
      const a = one.weights.get(name) as Float32Array
      const b = two.weights.get(name) as Float32Array
      expect(a, name).toBeDefined()
      const diff = Math.max(...Array.from(a, (v, i) => relative(v, b[i])))
      expect(diff, name).toBeLessThan(1e-4)
    }
  })

  it("D-Softmax-B: negatives are the whole batch's classes on every share, so 2 replicas follow 1", async () => {
    const many = syntheticSet(12, 8, 5)
    const gentle = {
      loss: 'dsoftmax-b' as const,
      steps: 10,
      optimizer: { kind: 'sgd' as const, lr: 0.02, momentum: 0.9, weightDecay: 5e-4 }
    }
    const one = await losses(recipe(gentle), many)
    const two = await losses(recipe({ ...gentle, replicas: 2 }), many)
    expectFollows(one.losses, two.losses)
  })

  it('D-Softmax-K: one draw of negatives per batch, so 2 replicas follow 1', async () => {
    const many = syntheticSet(12, 8, 5)
    const k = {
      loss: 'dsoftmax-k' as const,
      lossParams: { s: 10, d: 0.9, count: 3 },
      steps: 10,
      optimizer: { kind: 'sgd' as const, lr: 0.02, momentum: 0.9, weightDecay: 5e-4 }
    }
    const one = await losses(recipe(k), many)
    const two = await losses(recipe({ ...k, replicas: 2 }), many)
    expectFollows(one.losses, two.losses)
  })
})

describe('two-replica D-Softmax-K resume', () => {
  const roots: string[] = []
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })))
  const newStore = (): CheckpointStore => {
    const root = mkdtempSync(join(tmpdir(), 'dsoftmax-parity-'))
    roots.push(root)
    return new CheckpointStore(join(root, 'checkpoints'), 5)
  }

  it('killed after its step-6 checkpoint and resumed, ends bit-identical to the uninterrupted twin', async () => {
    // 48 classes, batches of 16, 3 sampled: most rows go untouched for steps and are caught up
    // lazily, and the checkpoints flush every row (on every replica at once, or the workers drift).
    const data = syntheticSet(48, 4, 7)
    const config = recipe({
      loss: 'dsoftmax-k',
      lossParams: { s: 10, d: 0.9, count: 3 },
      steps: 10,
      checkpointEverySteps: 3,
      replicas: 2,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, clipNorm: 5 }
    })
    const whole = await trainModel(config, { train: data }, {}, { backend: 'wasm', checkpoints: newStore() })
    const expected = await namedWeights(whole)
    whole.dispose()

    // "Killed" at step 7: the run ends without a checkpoint of its own; the last one is step 6's.
    const store = newStore()
    let steps = 0
    const first = await trainModel(
      config,
      { train: data },
      { shouldStop: () => steps === 7, onEvent: (e) => e.type === 'step' && steps++ },
      { backend: 'wasm', checkpoints: store }
    )
    first.dispose()
    const resumeFrom = store.load(store.stepNames().find((name) => /^step-0*6$/.test(name)) as string)
    expect(resumeFrom.meta.step).toBe(6)
    const second = await trainModel(
      config,
      { train: data },
      {},
      { backend: 'wasm', checkpoints: newStore(), resume: resumeFrom as LoadedCheckpoint }
    )
    const got = await namedWeights(second)
    second.dispose()
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [name, values] of expected) expect(Array.from(got.get(name) as Float32Array), name).toEqual(Array.from(values))
  })
})
