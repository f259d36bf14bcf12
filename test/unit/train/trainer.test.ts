import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../../../src/core/backend'
import {
  CheckpointStore,
  checkpointValues,
  TrainingDivergedError,
  trainModel,
  presetConfig,
  evaluatePairs,
  stepLossAt,
  type LoadedCheckpoint,
  type TrainConfig,
  type TrainedModel,
  type TrainEvent,
  type StepEvent
} from '../../../src/core/train'
import type { LabelledImageSet, PairSet } from '../../../src/core/data/imageSets'
import { syntheticSet } from './syntheticSet'

// Training runs on wasm, the backend it uses here: the cpu backend's filter gradient is ~50× slower.
beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

function tinyConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...presetConfig('fonts'),
    inputSize: 16,
    embeddingDim: 8,
    batchSize: 16,
    epochs: 1,
    steps: 12,
    lossParams: { s: 10, d: 0.9 },
    schedule: { kind: 'constant' },
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    augment: { shift: 1, flip: false },
    validateEvery: 0,
    replicas: 1,
    ...overrides
  }
}

async function collectSteps(config: TrainConfig, data: LabelledImageSet): Promise<StepEvent[]> {
  const steps: StepEvent[] = []
  const model = await trainModel(
    config,
    { train: data },
    { onEvent: (e) => e.type === 'step' && steps.push(e) },
    { backend: 'wasm' }
  )
  model.dispose()
  return steps
}

describe('trainModel', () => {
  const data = syntheticSet(4, 16, 3)

  it('lowers the loss on separable data and reports intra + inter = total', async () => {
    const steps = await collectSteps(tinyConfig(), data)
    expect(steps).toHaveLength(12)
    const first = steps.slice(0, 3).reduce((a, s) => a + s.loss, 0) / 3
    const last = steps.slice(-3).reduce((a, s) => a + s.loss, 0) / 3
    expect(last).toBeLessThan(first * 0.8)
    for (const s of steps) expect(s.intra + s.inter).toBeCloseTo(s.loss, 3)
  })

  it('is reproducible from its seed and differs with another seed', async () => {
    const a = (await collectSteps(tinyConfig({ steps: 4 }), data)).map((s) => s.loss)
    const b = (await collectSteps(tinyConfig({ steps: 4 }), data)).map((s) => s.loss)
    const c = (await collectSteps(tinyConfig({ steps: 4, seed: 2 }), data)).map((s) => s.loss)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })

  it('stops after the current step when asked', async () => {
    let calls = 0
    const events: string[] = []
    const model = await trainModel(
      tinyConfig(),
      { train: data },
      { shouldStop: () => ++calls >= 2, onEvent: (e) => events.push(e.type) }
    )
    expect(model.steps).toBe(2)
    expect(events.at(-1)).toBe('finished')
    model.dispose()
  })

  it('refuses an invalid recipe with the reason', async () => {
    await expect(trainModel(tinyConfig({ batchSize: 0 }), { train: data })).rejects.toThrow(
      /batch size must be a positive number/
    )
    await expect(trainModel(tinyConfig({ batchSize: 1000 }), { train: data })).rejects.toThrow(/fewer than one batch/)
    await expect(trainModel(tinyConfig({ replicas: 0 }), { train: data })).rejects.toThrow(/replicas must be/)
  })

  it('stops with a message naming the step when the loss diverges', async () => {
    await expect(
      collectSteps(
        tinyConfig({ loss: 'softmax', lossParams: {}, optimizer: { kind: 'sgd', lr: 1e20, momentum: 0.9, weightDecay: 0 } }),
        data
      )
    ).rejects.toThrow(/training diverged at step \d+.*lower learning rate/)
  })

  it('embeds into a space where same-class pairs score higher after training', async () => {
    const model = await trainModel(tinyConfig({ steps: 16 }), { train: data })
    const pairs: PairSet = {
      name: 'synthetic',
      images: data,
      pairs: Array.from({ length: 40 }, (_, i) => ({ a: i, b: i % 2 === 0 ? i + 4 : i + 1, same: i % 2 === 0 }))
    }
    const evaluation = await evaluatePairs(model.backbone, pairs, { flip: false })
    expect(evaluation.scores).toHaveLength(40)
    expect(evaluation.report.auc).toBeGreaterThan(0.9)
    model.dispose()
  })
})

describe('checkpoints, resume and divergence (in process)', () => {
  const data = syntheticSet(4, 16, 3)
  const roots: string[] = []
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })))
  const newStore = (keep = 5): CheckpointStore => {
    const root = mkdtempSync(join(tmpdir(), 'dsoftmax-trainer-'))
    roots.push(root)
    return new CheckpointStore(join(root, 'checkpoints'), keep)
  }
  const flatWeights = async (model: TrainedModel): Promise<number[]> =>
    (await Promise.all(model.weights().map(checkpointValues))).flatMap((v) => Array.from(v))

  const resumeCases: [string, Partial<TrainConfig>][] = [
    // Adam: the moments and the step count must come back.
    ['dense head, AdamW', { loss: 'dsoftmax', optimizer: { kind: 'adamw', lr: 0.01, weightDecay: 1e-4 } }],
    // D-Softmax-K: the sparse centre store's momentum and the negative-sampling RNG must come back.
    ['sparse head (dsoftmax-k), SGD', { loss: 'dsoftmax-k', lossParams: { s: 10, d: 0.9, count: 2 } }],
    // float16 storage: the halves go to disk as halves and come back exactly.
    [
      'sparse head (dsoftmax-k), float16 centre store',
      { loss: 'dsoftmax-k', lossParams: { s: 10, d: 0.9, count: 2 }, centreStorage: 'float16' }
    ]
  ]
  it.each(resumeCases)(
    '%s: stopped at step 5 and resumed from its checkpoint, ends with exactly the weights of an uninterrupted run',
    async (_name, overrides) => {
      const config = tinyConfig({ steps: 9, checkpointEverySteps: 3, ...overrides })
      const whole = await trainModel(config, { train: data }, {}, { backend: 'wasm', checkpoints: newStore() })
      const expected = await flatWeights(whole)
      whole.dispose()

      const store = newStore()
      const losses: number[] = []
      const first = await trainModel(
        config,
        { train: data },
        { shouldStop: () => losses.length === 5, onEvent: (e) => e.type === 'step' && losses.push(e.loss) },
        { backend: 'wasm', checkpoints: store }
      )
      expect(first.stopped).toBe(true)
      first.dispose()
      const { checkpoint } = store.latest()
      expect(checkpoint?.meta).toMatchObject({ step: 5, position: 5 })
      const events: string[] = []
      const second = await trainModel(
        config,
        { train: data },
        { onEvent: (e) => events.push(e.type === 'started' ? `started@${e.startStep}` : e.type) },
        { backend: 'wasm', checkpoints: store, resume: checkpoint as LoadedCheckpoint }
      )
      expect(events[0]).toBe('started@5')
      expect(events.filter((e) => e === 'step')).toHaveLength(4)
      expect(await flatWeights(second)).toEqual(expected)
      second.dispose()
    }
  )

  it('on NaN stops at the last good checkpoint with a message naming the step', async () => {
    const store = newStore()
    // Step 1 computes on the initial weights and moves them far (finite); step 2's loss is no longer finite.
    const config = tinyConfig({
      steps: 12,
      checkpointEverySteps: 1,
      loss: 'softmax',
      lossParams: {},
      optimizer: { kind: 'sgd', lr: 1e20, momentum: 0.9, weightDecay: 0 }
    })
    const error = await trainModel(config, { train: data }, {}, { backend: 'wasm', checkpoints: store }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TrainingDivergedError)
    const diverged = error as TrainingDivergedError
    expect(diverged.message).toMatch(
      new RegExp(`training diverged at step ${diverged.step}: the (loss became NaN|loss became Infinity|weights hold NaN or Inf)`)
    )
    expect(diverged.message).toMatch(/last good checkpoint is step-\d+ .*lower learning rate, a smaller scale s/)
    // Every checkpoint on disk is finite and older than the divergence.
    const { checkpoint } = store.latest()
    expect(checkpoint?.meta.step).toBe(diverged.lastGood?.step)
    expect(checkpoint?.meta.step).toBeLessThan(diverged.step)
    for (const values of checkpoint?.weights.values() ?? []) expect(values.every(Number.isFinite)).toBe(true)
  })

  it('with lr back-off goes back to a checkpoint before the divergence and retries with a smaller rate', async () => {
    const store = newStore(8)
    const warnings: string[] = []
    const lrs: number[] = []
    // The rate jumps ×1e21 halfway: step 4 moves the weights far (still finite), step 5's loss is NaN.
    // Back-off 1 returns to step 4's checkpoint, fails again at once, so back-off 2 returns to step 3.
    const config = tinyConfig({
      steps: 8,
      checkpointEverySteps: 1,
      loss: 'softmax',
      lossParams: {},
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0, weightDecay: 0 },
      schedule: { kind: 'step', milestones: [0.375], gamma: 1e21 },
      divergence: { lrBackoff: 1e-21, maxBackoffs: 2 }
    })
    const model = await trainModel(
      config,
      { train: data },
      { onEvent: (e) => (e.type === 'warning' ? warnings.push(e.message) : e.type === 'step' && lrs.push(e.lr)) },
      { backend: 'wasm', checkpoints: store }
    )
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(
      /^the loss became NaN at step 5; went back to step-00000004 \(step 4\) and multiplied the learning rate by 1e-21 \(back-off 1 of 2\)$/
    )
    expect(warnings[1]).toMatch(/at step 5; went back to step-00000003 \(step 3\) .*\(back-off 2 of 2\)$/)
    expect(model.steps).toBe(8)
    expect(lrs.at(-1)).toBeCloseTo(0.05 * 1e21 * 1e-42, 30)
    expect(store.latest().checkpoint?.meta).toMatchObject({ step: 8, backoffs: 2 })
    model.dispose()
  })

  it('validates every N steps and keeps the best checkpoint by the chosen metric', async () => {
    const store = newStore(1)
    const val: PairSet = {
      name: 'synthetic',
      images: data,
      pairs: Array.from({ length: 40 }, (_, i) => ({ a: i, b: i % 2 === 0 ? i + 4 : i + 1, same: i % 2 === 0 }))
    }
    const validations: { step: number; value: number; best: boolean }[] = []
    const epochs: string[] = []
    const onEvent = (e: TrainEvent): void => {
      if (e.type === 'validation') validations.push({ step: e.step, value: e.value, best: e.best })
      if (e.type === 'epoch') epochs.push(`${e.epoch}@${e.step}`)
    }
    const model = await trainModel(
      tinyConfig({ steps: 9, validateEverySteps: 3, bestMetric: 'eer' }),
      { train: data, val },
      { onEvent },
      { backend: 'wasm', checkpoints: store }
    )
    model.dispose()
    expect(validations.map((v) => v.step)).toEqual([3, 6, 9])
    // 64 examples in batches of 16: an epoch ends every 4 steps.
    expect(epochs).toEqual(['1@4', '2@8'])
    // EER: lower is better; "best" marks each new minimum.
    let min = Infinity
    for (const v of validations) {
      expect(v.best).toBe(v.value < min)
      min = Math.min(min, v.value)
    }
    const bestStep = validations.filter((v) => v.best).at(-1)?.step
    expect(store.load('best').meta.step).toBe(bestStep)
    expect(store.load('best').meta.metrics?.eer).toBeCloseTo(min, 10)
  })

  it('uses plain Softmax during the warm-up epochs and the annealed λ for SphereFace', () => {
    const config = tinyConfig({ softmaxWarmupEpochs: 1.5 })
    expect(stepLossAt(config, 0, 4)).toEqual({ loss: 'softmax', lossParams: {} })
    expect(stepLossAt(config, 5, 4)).toEqual({ loss: 'softmax', lossParams: {} })
    expect(stepLossAt(config, 6, 4)).toBeUndefined()
    const sphere = tinyConfig({
      loss: 'sphereface',
      lossParams: { s: 30, m: 4 },
      lambdaAnnealing: { base: 1000, gamma: 0.12, power: 1, min: 5 }
    })
    expect(stepLossAt(sphere, 0, 4)?.lossParams.lambda).toBeCloseTo(1000)
    expect(stepLossAt(sphere, 100, 4)?.lossParams.lambda).toBeCloseTo(1000 / 13)
    expect(stepLossAt(sphere, 1e6, 4)?.lossParams.lambda).toBe(5)
  })

  it('the Softmax warm-up changes the first steps and nothing before them', async () => {
    const plain = await collectSteps(tinyConfig({ steps: 3 }), data)
    const warm = await collectSteps(tinyConfig({ steps: 3, softmaxWarmupEpochs: 1 }), data)
    const softmax = await collectSteps(tinyConfig({ steps: 1, loss: 'softmax', lossParams: {} }), data)
    // Same centres and backbone at step 1: the warm-up step is exactly a softmax step (zero bias).
    expect(warm[0].loss).toBeCloseTo(softmax[0].loss, 4)
    expect(warm[0].loss).not.toBeCloseTo(plain[0].loss, 1)
  })
})

describe('several validation sets', () => {
  const data = syntheticSet(4, 8, 5)
  const pairs = (name: string, offset: number): PairSet => ({
    name,
    images: data,
    pairs: Array.from({ length: 16 }, (_, i) => ({
      a: (i + offset) % 32,
      b: i % 2 === 0 ? (i + offset + 4) % 32 : (i + offset + 1) % 32,
      same: i % 2 === 0
    }))
  })

  it('refuses two sets of the same name and a best set that is not among them, naming the sets', async () => {
    const config = tinyConfig({ steps: 1, validateEverySteps: 1 })
    await expect(
      trainModel(config, { train: data, val: [pairs('lfw', 0), pairs('lfw', 3)] }, {}, { backend: 'wasm' })
    ).rejects.toThrow(/two validation sets are named "lfw"/)
    await expect(
      trainModel(
        { ...config, bestSet: 'cfp_fp' },
        { train: data, val: [pairs('lfw', 0), pairs('agedb_30', 3)] },
        {},
        { backend: 'wasm' }
      )
    ).rejects.toThrow(/picked on validation set "cfp_fp", but the sets are: lfw, agedb_30/)
  })

  it('validates every set at each validation step; only the chosen set can be the best', async () => {
    const events: { set: string; step: number; best: boolean }[] = []
    const model = await trainModel(
      tinyConfig({ steps: 2, validateEverySteps: 1, bestSet: 'agedb_30' }),
      { train: data, val: [pairs('lfw', 0), pairs('agedb_30', 3)] },
      { onEvent: (e) => e.type === 'validation' && events.push({ set: e.evaluation.set, step: e.step, best: e.best }) },
      { backend: 'wasm' }
    )
    model.dispose()
    expect(events.map((e) => `${e.set}@${e.step}`)).toEqual(['lfw@1', 'agedb_30@1', 'lfw@2', 'agedb_30@2'])
    expect(events.filter((e) => e.set === 'lfw').every((e) => !e.best)).toBe(true)
    // The first validation of the chosen set is always the best so far.
    expect(events[1].best).toBe(true)
  })
})
