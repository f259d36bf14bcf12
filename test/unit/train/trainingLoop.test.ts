// The training loop's step-end decisions on their own: the checkpoint and validation schedules,
// the best-metric rule, the back-off target, and the split of a batch over replicas.
import { beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../../../src/core/backend'
import {
  CheckpointStore,
  presetConfig,
  stepDirName,
  TrainingDivergedError,
  trainModel,
  type TrainConfig
} from '../../../src/core/train'
import { scheduledCheckpoint } from '../../../src/core/train/loop/checkpointing'
import { validationDue, validationSets, improves } from '../../../src/core/train/loop/validation'
import { backoffTarget } from '../../../src/core/train/loop/divergence'
import { batchShares } from '../../../src/core/train/loop/replicas'
import type { PairSet } from '../../../src/core/data/imageSets'
import { syntheticSet } from './syntheticSet'

/** The decision for steps 1..total, as "step:decision" for the steps that have one. */
function schedule<T>(
  total: number,
  stepsPerEpoch: number,
  decide: (step: number, epoch: number, epochDone: boolean) => T | undefined | false
): string[] {
  const out: string[] = []
  for (let step = 1; step <= total; step++) {
    const decision = decide(step, Math.ceil(step / stepsPerEpoch), step % stepsPerEpoch === 0)
    if (decision !== undefined && decision !== false) out.push(`${step}:${String(decision)}`)
  }
  return out
}

describe('checkpoint schedule', () => {
  it('every N steps when set (epoch ends then write none of their own), and the last step always', () => {
    expect(schedule(10, 4, (step, _e, done) => scheduledCheckpoint({ checkpointEverySteps: 3 }, step, 10, done))).toEqual([
      '3:interval',
      '6:interval',
      '9:interval',
      '10:end'
    ])
  })

  it('at each epoch end otherwise; a last step that ends an epoch is an epoch checkpoint', () => {
    expect(schedule(10, 4, (step, _e, done) => scheduledCheckpoint({}, step, 10, done))).toEqual(['4:epoch', '8:epoch', '10:end'])
    expect(schedule(8, 4, (step, _e, done) => scheduledCheckpoint({ checkpointEverySteps: 0 }, step, 8, done))).toEqual([
      '4:epoch',
      '8:epoch'
    ])
  })
})

describe('validation schedule', () => {
  it('every N steps when set, whatever validateEvery says', () => {
    expect(
      schedule(10, 4, (step, epoch, done) => validationDue({ validateEverySteps: 3, validateEvery: 1 }, step, epoch, done))
    ).toEqual(['3:true', '6:true', '9:true'])
  })

  it('else at the end of every k-th epoch, and never with k = 0', () => {
    expect(schedule(24, 4, (step, epoch, done) => validationDue({ validateEvery: 2 }, step, epoch, done))).toEqual([
      '8:true',
      '16:true',
      '24:true'
    ])
    expect(
      schedule(24, 4, (step, epoch, done) => validationDue({ validateEverySteps: 0, validateEvery: 0 }, step, epoch, done))
    ).toEqual([])
  })
})

describe('best checkpoint', () => {
  it('higher AUC and lower EER improve; NaN never does and the first finite value always does', () => {
    expect(improves('auc', 0.9, 0.8)).toBe(true)
    expect(improves('auc', 0.8, 0.8)).toBe(false)
    expect(improves('eer', 0.1, 0.2)).toBe(true)
    expect(improves('eer', 0.3, 0.2)).toBe(false)
    expect(improves('eer', Number.NaN, undefined)).toBe(false)
    expect(improves('eer', 0.5, undefined)).toBe(true)
  })

  it('the chosen set is the named one, else the first', () => {
    const set = (name: string): PairSet => ({ name, images: syntheticSet(2, 2, 1), pairs: [] })
    expect(validationSets({}, [set('lfw'), set('agedb_30')]).chosen).toBe('lfw')
    expect(validationSets({ bestSet: 'agedb_30' }, [set('lfw'), set('agedb_30')]).chosen).toBe('agedb_30')
    expect(validationSets({}, undefined)).toEqual({ sets: [], chosen: undefined })
  })
})

describe('divergence back-off target', () => {
  const names = [8, 6, 4, 0].map(stepDirName)

  it('the newest checkpoint from before the failing step', () => {
    expect(backoffTarget(names, 7, undefined)).toBe('step-00000006')
    // A failure at step 6 means step 6's own weights never reached disk: step 4 is the newest before it.
    expect(backoffTarget(names, 6, undefined)).toBe('step-00000004')
    expect(backoffTarget(names, 9, 6)).toBe('step-00000008')
  })

  it('one further back when the run fails again right after the checkpoint it went back to', () => {
    expect(backoffTarget(names, 7, 6)).toBe('step-00000004')
    expect(backoffTarget(names, 5, 4)).toBe('step-00000000')
    expect(backoffTarget(names, 1, 0)).toBeUndefined()
  })
})

describe('divergence back-off in a run', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm' })
  })

  it('stops at the checkpoint it went back to once the back-offs are used up', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dsoftmax-loop-'))
    try {
      const store = new CheckpointStore(join(root, 'checkpoints'), 8)
      const warnings: string[] = []
      // The rate jumps ×1e21 after step 3: step 4 moves the weights far, step 5's loss is NaN. The one
      // back-off (×1e-3) returns to step 3's checkpoint; the rate is still huge, so step 5 fails again.
      const config: TrainConfig = {
        ...presetConfig('fonts'),
        inputSize: 16,
        embeddingDim: 8,
        batchSize: 16,
        steps: 8,
        checkpointEverySteps: 3,
        loss: 'softmax',
        lossParams: {},
        optimizer: { kind: 'sgd', lr: 0.05, momentum: 0, weightDecay: 0 },
        schedule: { kind: 'step', milestones: [0.375], gamma: 1e21 },
        augment: { shift: 1, flip: false },
        validateEvery: 0,
        replicas: 1,
        divergence: { lrBackoff: 1e-3, maxBackoffs: 1 }
      }
      const run = trainModel(
        config,
        { train: syntheticSet(4, 16, 3) },
        { onEvent: (e) => e.type === 'warning' && warnings.push(e.message) },
        { backend: 'wasm', checkpoints: store }
      )
      const error = await run.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TrainingDivergedError)
      expect(error).toMatchObject({ step: 5, lastGood: { name: 'step-00000003', step: 3 } })
      expect(warnings).toEqual([
        'the loss became NaN at step 5; went back to step-00000003 (step 3) and multiplied the learning rate by 0.001 (back-off 1 of 1)'
      ])
      // The initial checkpoint (back-off needs somewhere to go) and step 3's; nothing past the divergence.
      expect(store.stepNames()).toEqual(['step-00000003', 'step-00000000'])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe('progress metrics', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm' })
  })

  it("each step's weightNorm is the L2 norm of the backbone's decayed weights, recomputed from the trained model", async () => {
    const config: TrainConfig = {
      ...presetConfig('fonts'),
      inputSize: 16,
      embeddingDim: 8,
      batchSize: 16,
      steps: 3,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
      augment: { shift: 1, flip: false },
      validateEvery: 0,
      replicas: 1
    }
    const norms: number[] = []
    const model = await trainModel(
      config,
      { train: syntheticSet(4, 16, 3) },
      { onEvent: (e) => e.type === 'step' && norms.push(e.weightNorm) },
      { backend: 'wasm' }
    )
    try {
      let squares = 0
      for (const param of model.backbone.params.filter((p) => p.decay))
        for (const v of param.variable.dataSync()) squares += v * v
      expect(norms).toHaveLength(3)
      expect(norms[2]).toBeCloseTo(Math.sqrt(squares), 3)
      // The weights moved: the norm is not a constant.
      expect(norms[0]).not.toBe(norms[2])
    } finally {
      model.dispose()
    }
  })
})

describe('batch shares', () => {
  it('splits a batch in order, the larger shares first', () => {
    expect(batchShares(10, 3)).toEqual({ sizes: [4, 3, 3], starts: [0, 4, 7] })
    expect(batchShares(16, 1)).toEqual({ sizes: [16], starts: [0] })
    expect(batchShares(3, 3)).toEqual({ sizes: [1, 1, 1], starts: [0, 1, 2] })
  })

  it('covers every example once, the sizes differing by at most one', () => {
    for (let batch = 1; batch <= 40; batch++) {
      for (let replicas = 1; replicas <= Math.min(batch, 6); replicas++) {
        const { sizes, starts } = batchShares(batch, replicas)
        sizes.forEach((size, k) => expect(starts[k] + size).toBe(k + 1 < replicas ? starts[k + 1] : batch))
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      }
    }
  })
})
