import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { trainModel, presetConfig, evaluatePairs, type TrainConfig, type StepEvent } from '../../../src/core/train'
import type { LabelledImageSet, PairSet } from '../../../src/core/data/imageSets'
import { createRng } from '../../../src/core/util/rng'

// Training runs on wasm, the backend it uses here: the cpu backend's filter gradient is ~50× slower.
beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

/** Four classes of 16×16 images: a class-specific random pattern plus per-image noise. */
function syntheticSet(perClass: number, seed: number): LabelledImageSet {
  const classes = 4
  const size = 16
  const rng = createRng(seed)
  const patterns = Array.from({ length: classes }, () => Float32Array.from({ length: size * size }, () => rng.next() * 2 - 1))
  const count = classes * perClass
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes)
  const noise = Array.from({ length: count }, () => Float32Array.from({ length: size * size }, () => rng.normal() * 0.3))
  return {
    shape: [size, size, 1],
    count,
    classes,
    labels,
    classNames: ['a', 'b', 'c', 'd'],
    write(index, out, offset) {
      const p = patterns[labels[index]]
      for (let k = 0; k < size * size; k++) out[offset + k] = p[k] + noise[index][k]
    }
  }
}

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
  const model = await trainModel(config, { train: data }, { onEvent: (e) => e.type === 'step' && steps.push(e) }, { backend: 'wasm' })
  model.dispose()
  return steps
}

describe('trainModel', () => {
  const data = syntheticSet(16, 3)

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
    const model = await trainModel(tinyConfig(), { train: data }, { shouldStop: () => ++calls >= 2, onEvent: (e) => events.push(e.type) })
    expect(model.steps).toBe(2)
    expect(events.at(-1)).toBe('finished')
    model.dispose()
  })

  it('refuses an invalid recipe with the reason', async () => {
    await expect(trainModel(tinyConfig({ batchSize: 0 }), { train: data })).rejects.toThrow(/batch size must be a positive number/)
    await expect(trainModel(tinyConfig({ batchSize: 1000 }), { train: data })).rejects.toThrow(/fewer than one batch/)
    await expect(trainModel(tinyConfig({ replicas: 0 }), { train: data })).rejects.toThrow(/replicas must be/)
  })

  it('stops with a message naming the step when the loss diverges', async () => {
    await expect(collectSteps(tinyConfig({ loss: 'softmax', lossParams: {}, optimizer: { kind: 'sgd', lr: 1e20, momentum: 0.9, weightDecay: 0 } }), data)).rejects.toThrow(
      /training diverged at step \d+.*lower learning rate/
    )
  })

  it('embeds into a space where same-class pairs score higher after training', async () => {
    const model = await trainModel(tinyConfig({ steps: 16 }), { train: data })
    const pairs: PairSet = {
      name: 'synthetic',
      images: data,
      pairs: Array.from({ length: 40 }, (_, i) => ({ a: i, b: i % 2 === 0 ? i + 4 : i + 1, same: i % 2 === 0 }))
    }
    const evaluation = evaluatePairs(model.backbone, pairs, { flip: false })
    expect(evaluation.scores).toHaveLength(40)
    expect(evaluation.report.auc).toBeGreaterThan(0.9)
    model.dispose()
  })
})
