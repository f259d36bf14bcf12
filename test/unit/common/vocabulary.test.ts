// One vocabulary across processes: the recipe schema in src/common is the engine's TrainConfig, and
// every engine registry keyed by a name covers exactly the common list of those names.
import { describe, expect, it } from 'vitest'
import {
  BACKBONE_NAMES,
  CENTRE_STORAGES,
  FIGURE1_LOSSES,
  LOSS_NAMES,
  OPTIMIZER_KINDS,
  SCHEDULE_KINDS,
  VALIDATION_METRICS,
  type OptimizerKind,
  type ScheduleKind
} from '../../../src/common/names'
import {
  optimizerSchema,
  scheduleSchema,
  trainRecipeSchema,
  type OptimizerConfig,
  type ScheduleConfig
} from '../../../src/common/schemas/recipe'
import { figure1RunSchema } from '../../../src/common/schemas/study'
import { LOSS_KNOBS, LOSS_MODULES, defaultLossParams, validateLossParams } from '../../../src/core/losses'
import { BACKBONE_INFO, backboneSpec } from '../../../src/core/models'
import {
  PRESETS,
  METRIC_DIRECTIONS,
  learningRateAt,
  presetConfig,
  validateOptimizerConfig,
  validateSchedule,
  validateTrainConfig
} from '../../../src/core/train'
import { recipeOf } from '../../../src/core/train/session'
import { trainingCatalog } from '../../../src/services/catalog'

const OPTIMIZERS: Record<OptimizerKind, OptimizerConfig> = {
  sgd: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
  adam: { kind: 'adam', lr: 1e-3, weightDecay: 0 },
  adamw: { kind: 'adamw', lr: 1e-3, weightDecay: 0.05 }
}
const SCHEDULES: Record<ScheduleKind, ScheduleConfig> = {
  constant: { kind: 'constant' },
  cosine: { kind: 'cosine', minFactor: 0.1 },
  step: { kind: 'step', milestones: [0.5], gamma: 0.1 },
  polynomial: { kind: 'polynomial', power: 2 }
}

describe('engine registries cover the common name lists', () => {
  it('has a module, a knob list, default knobs and a catalog entry for every loss, and nothing else', () => {
    expect(Object.keys(LOSS_MODULES)).toEqual([...LOSS_NAMES])
    expect(Object.keys(LOSS_KNOBS)).toEqual([...LOSS_NAMES])
    for (const name of LOSS_NAMES) expect(validateLossParams(name, defaultLossParams(name)), name).toEqual([])
    expect(trainingCatalog().losses.map((l) => l.name)).toEqual([...LOSS_NAMES])
    expect(trainingCatalog().losses.every((l) => l.label.length > 0)).toBe(true)
  })

  it('builds every backbone under its own name, and describes no other', () => {
    expect(Object.keys(BACKBONE_INFO)).toEqual([...BACKBONE_NAMES])
    for (const name of BACKBONE_NAMES) expect(backboneSpec(name, { embeddingDim: 8 }).family, name).toBe(name)
    expect(trainingCatalog().backbones.map((b) => b.name)).toEqual([...BACKBONE_NAMES])
  })

  it('knows whether each validation metric is better higher or lower', () => {
    expect(Object.keys(METRIC_DIRECTIONS).sort()).toEqual([...VALIDATION_METRICS].sort())
    expect(METRIC_DIRECTIONS.eer).toBe('lower')
  })

  it('accepts every optimizer and schedule kind in both the schema and the engine', () => {
    expect(Object.keys(OPTIMIZERS)).toEqual([...OPTIMIZER_KINDS])
    for (const config of Object.values(OPTIMIZERS)) {
      expect(optimizerSchema.parse(config)).toEqual(config)
      expect(validateOptimizerConfig(config), config.kind).toEqual([])
    }
    expect(Object.keys(SCHEDULES)).toEqual([...SCHEDULE_KINDS])
    for (const schedule of Object.values(SCHEDULES)) {
      expect(scheduleSchema.parse(schedule)).toEqual(schedule)
      expect(validateSchedule(schedule), schedule.kind).toEqual([])
      // At 60 % of the run, every schedule has left the base rate of 1 but stays above 0.
      const rate = learningRateAt(schedule, 1, 60, 100)
      expect(rate, schedule.kind).toBeGreaterThan(0)
      if (schedule.kind !== 'constant') expect(rate, schedule.kind).toBeLessThan(1)
    }
    expect(optimizerSchema.safeParse({ ...OPTIMIZERS.sgd, kind: 'rmsprop' }).success).toBe(false)
    expect(scheduleSchema.safeParse({ kind: 'exponential' }).success).toBe(false)
  })

  it('lists Figure 1 losses that are losses, as the study answer takes them', () => {
    for (const loss of FIGURE1_LOSSES) expect(LOSS_NAMES).toContain(loss)
    expect(figure1RunSchema.shape.loss.options).toEqual([...FIGURE1_LOSSES])
  })
})

describe('the recipe schema is the engine recipe', () => {
  it('parses every preset to itself (a field the engine reads but the schema lacks would be refused)', () => {
    for (const [name, preset] of Object.entries(PRESETS)) expect(trainRecipeSchema.parse(preset), name).toEqual(preset)
  })

  it('carries further validation sets, the best set and float16 centres, the fields that once drifted apart', () => {
    const recipe = {
      ...presetConfig('fonts'),
      dataset: 'files' as const,
      data: {
        train: '/data/faces.rec',
        val: '/data/lfw.bin',
        extraVal: ['/data/cfp_fp.bin', '/data/agedb_30.bin'],
        test: '/data/ijb.bin'
      },
      bestSet: 'agedb_30',
      loss: 'dsoftmax-b' as const,
      centreStorage: CENTRE_STORAGES[1]
    }
    expect(trainRecipeSchema.parse(recipe)).toEqual(recipe)
    expect(validateTrainConfig(recipe)).toEqual([])
  })

  it('reads a stored config.json back to the recipe, and names the file when it holds none', () => {
    const recipe = presetConfig('fonts-quick')
    const stored = {
      ...recipe,
      replicasUsed: 2,
      backend: { choice: 'wasm' },
      versions: { node: 'v22' },
      createdAt: '2026-01-01T00:00:00Z'
    }
    expect(recipeOf(JSON.parse(JSON.stringify(stored)) as Record<string, unknown>, '/w/runs/r1/config.json')).toEqual(recipe)
    expect(() => recipeOf({ ...stored, backbone: 'vgg-16' }, '/w/runs/r1/config.json')).toThrow(
      /^\/w\/runs\/r1\/config\.json does not hold a valid training recipe: backbone: /
    )
    expect(() => recipeOf({ ...stored, batchSize: '64' }, '/w/runs/r1/config.json')).toThrow(/config\.json .*batchSize/)
    expect(() => recipeOf({ ...stored, surprise: true }, '/w/runs/r1/config.json')).toThrow(/config\.json .*surprise/)
  })

  it('names the backbones it knows when a recipe that skipped the schema names another', () => {
    const problems = validateTrainConfig({ ...presetConfig('fonts'), backbone: 'vgg-16' as never })
    expect(problems).toEqual([`backbone must be one of ${BACKBONE_NAMES.join(', ')}, got "vgg-16"`])
  })
})
