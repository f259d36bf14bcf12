// Every preset is a valid recipe whose backbone builds for its input; the face presets ask for data.
import { describe, expect, it } from 'vitest'
import { PRESETS, presetConfig, validateTrainConfig } from '../../../src/core/train'
import { validateLossParams } from '../../../src/core/losses'
import { backboneSpec } from '../../../src/core/models'

describe('presets', () => {
  it.each(Object.keys(PRESETS))('%s is a valid recipe', (name) => {
    const config = presetConfig(name)
    expect(config.preset).toBe(name)
    if (config.dataset === 'files') {
      expect(validateTrainConfig(config)).toEqual(['dataset "files" needs a training data path (--data PATH)'])
      config.data = { train: '/data/faces', val: '/data/lfw.bin' }
    }
    expect(validateTrainConfig(config)).toEqual([])
    expect(validateLossParams(config.loss, config.lossParams)).toEqual([])
    const spec = backboneSpec(config.backbone, { embeddingDim: config.embeddingDim, inputSize: config.inputSize })
    expect(spec.input[0]).toBe(config.inputSize)
  })

  it('hands out copies: editing one does not change the preset', () => {
    const a = presetConfig('fonts')
    a.optimizer.lr = 123
    expect(presetConfig('fonts').optimizer.lr).toBe(0.1)
    expect(() => presetConfig('nope')).toThrow(/unknown preset "nope"; choose one of: fonts, fonts-quick/)
  })
})
