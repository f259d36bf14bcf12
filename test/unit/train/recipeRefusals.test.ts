// Recipes that cannot run as written are refused with the reason, before a run folder exists:
// Softmax warm-up or Adam with the sparse-store losses, and loss knobs the chosen loss never reads.
import { afterAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PRESETS, presetConfig, validateTrainConfig, type TrainConfig } from '../../../src/core/train'
import { runSession } from '../../../src/core/train/session'
import type { TrainerProcessEvent } from '../../../src/common/trainer'
import { configFromArgs } from '../../../src/cli/commands/train'

const fonts = (overrides: Partial<TrainConfig>): TrainConfig => ({ ...presetConfig('fonts'), ...overrides })

describe('validateTrainConfig refuses what cannot run as written', () => {
  it('accepts every preset', () => {
    for (const name of Object.keys(PRESETS)) {
      const config = presetConfig(name)
      // The face presets read the user's data: give them a path.
      if (config.dataset === 'files') config.data = { train: '/data/faces.rec' }
      expect(validateTrainConfig(config), name).toEqual([])
    }
  })

  it.each([
    [
      'dsoftmax-b',
      'Softmax warm-up',
      { softmaxWarmupEpochs: 0.5 },
      /dsoftmax-b cannot start with a Softmax warm-up: its centres live in a sparse store/
    ],
    [
      'dsoftmax-k',
      'Adam',
      { optimizer: { kind: 'adam' as const, lr: 1e-3, weightDecay: 0 } },
      /dsoftmax-k updates its sparse centre store with SGD only, not adam/
    ],
    [
      'dsoftmax-b',
      'AdamW',
      { optimizer: { kind: 'adamw' as const, lr: 1e-3, weightDecay: 1e-4 } },
      /dsoftmax-b updates its sparse centre store with SGD only, not adamw/
    ]
  ])('%s with %s', (loss, _what, overrides, reason) => {
    const problems = validateTrainConfig(
      fonts({ loss: loss as TrainConfig['loss'], lossParams: { s: 30, d: 0.9 }, ...overrides })
    )
    expect(problems.join('; ')).toMatch(reason)
  })

  it('test pairs only with own data (the bundled fonts bring their own test split)', () => {
    expect(validateTrainConfig(fonts({ data: { train: '/d', test: '/t.bin' } })).join('; ')).toMatch(
      /test pairs \(data\.test\) go with your own data \(dataset "files"\); the fonts dataset brings its own test split/
    )
    expect(validateTrainConfig(fonts({ dataset: 'files', data: { train: '/d', val: '/v.bin', test: '/t.bin' } }))).toEqual([])
  })

  it('a Softmax warm-up of 0 epochs is no warm-up (allowed with -K)', () => {
    expect(
      validateTrainConfig(fonts({ loss: 'dsoftmax-k', lossParams: { s: 30, d: 0.9, rate: 0.5 }, softmaxWarmupEpochs: 0 }))
    ).toEqual([])
  })

  it('knobs the loss does not read, by name', () => {
    expect(validateTrainConfig(fonts({ loss: 'dsoftmax', lossParams: { s: 30, d: 0.9, m: 0.5 } })).join('; ')).toMatch(
      /dsoftmax does not read lossParams\.m; remove it/
    )
    expect(validateTrainConfig(fonts({ loss: 'cosface', lossParams: { s: 30, m: 0.35, d: 0.9, rate: 0.1 } })).join('; ')).toMatch(
      /cosface does not read lossParams\.d, lossParams\.rate; remove them/
    )
    expect(validateTrainConfig(fonts({ loss: 'softmax', lossParams: { marginFallback: 'easy' } })).join('; ')).toMatch(
      /softmax does not read lossParams\.marginFallback/
    )
    expect(validateTrainConfig(fonts({ loss: 'arcface', lossParams: { s: 30, m: 0.5, marginFallback: 'insightface' } }))).toEqual(
      []
    )
  })
})

describe('a refused recipe leaves no run folder', () => {
  const roots: string[] = []
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })))

  it('fails with the reason and writes nothing into the workspace', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'dsoftmax-refusal-'))
    roots.push(workspace)
    const events: TrainerProcessEvent[] = []
    const config = fonts({ loss: 'dsoftmax-k', lossParams: { s: 30, d: 0.9 }, softmaxWarmupEpochs: 1 })
    await runSession({ workspace, config }, (e) => events.push(e), { shouldStop: () => false, gate: () => undefined })
    const failed = events.find((e) => e.type === 'failed')
    expect(failed && 'message' in failed ? failed.message : '').toMatch(
      /invalid training recipe: dsoftmax-k cannot start with a Softmax warm-up/
    )
    expect(existsSync(join(workspace, 'runs')) ? readdirSync(join(workspace, 'runs')) : []).toEqual([])
  })
})

describe('train options', () => {
  it("--loss keeps only the knobs the new loss reads; --margin-fallback picks ArcFace's form", () => {
    const { config } = configFromArgs(['--loss', 'arcface', '--m', '0.4', '--margin-fallback', 'insightface'])
    expect(config.lossParams).toEqual({ s: 30, m: 0.4, marginFallback: 'insightface' })
    expect(() => configFromArgs(['--loss', 'arcface', '--margin-fallback', 'sometimes'])).toThrow(
      /unknown margin fallback "sometimes"; choose one of: continuous, insightface, easy/
    )
    expect(() => configFromArgs(['--loss', 'dsoftmax', '--m', '0.4'])).toThrow(/dsoftmax does not read lossParams\.m/)
  })
})
