// The float16 centre store as a training option: the recipe field and the CLI flag are checked (its
// checkpoint format is tested in checkpoint.test.ts, its exact resume in trainer.test.ts).
import { describe, expect, it } from 'vitest'
import { presetConfig, validateTrainConfig, type TrainConfig } from '../../../src/core/train'
import { parseTrainArgs } from '../../../src/cli/commands/train'

describe('centre storage', () => {
  it('is a recipe field for the sparse store of dsoftmax-b/-k only, float32 or float16', () => {
    const k: TrainConfig = { ...presetConfig('fonts-dsoftmax-k'), centreStorage: 'float16' }
    expect(validateTrainConfig(k)).toEqual([])
    expect(validateTrainConfig({ ...k, loss: 'dsoftmax-b', lossParams: { s: 30, d: 0.9 } })).toEqual([])
    expect(validateTrainConfig({ ...k, loss: 'arcface', lossParams: { s: 30, m: 0.5 } })).toEqual([
      'float16 centre storage applies to the sparse store of dsoftmax-b and dsoftmax-k, not arcface'
    ])
    expect(validateTrainConfig({ ...k, centreStorage: 'bfloat16' as 'float16' })).toEqual([
      'centre storage must be one of float32, float16, got "bfloat16"'
    ])
    expect(validateTrainConfig({ ...k, loss: 'softmax', lossParams: {}, centreStorage: 'float32' })).toEqual([])
  })

  it('is set by train --centre-storage, and refused with a dense loss or an unknown name', () => {
    expect(parseTrainArgs(['--preset', 'fonts-dsoftmax-k', '--centre-storage', 'float16']).config?.centreStorage).toBe('float16')
    expect(parseTrainArgs(['--preset', 'fonts-dsoftmax-k']).config?.centreStorage).toBeUndefined()
    expect(() => parseTrainArgs(['--preset', 'fonts', '--centre-storage', 'float16'])).toThrow(
      /float16 centre storage applies to the sparse store of dsoftmax-b and dsoftmax-k, not dsoftmax/
    )
    expect(() => parseTrainArgs(['--preset', 'fonts-dsoftmax-k', '--centre-storage', 'half'])).toThrow(
      /unknown centre storage "half"; choose one of: float32, float16/
    )
  })
})
