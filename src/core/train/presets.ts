// Named recipes. The default is the demo: D-Softmax on the bundled font identities, sized to
// finish in about five minutes on a two-core laptop without a GPU (1.5 epochs: test AUC ≈ 0.94).
import type { TrainConfig } from './config'

const fonts: TrainConfig = {
  preset: 'fonts',
  dataset: 'fonts',
  backbone: 'glyph-cnn',
  embeddingDim: 128,
  inputSize: 32,
  loss: 'dsoftmax',
  lossParams: { s: 30, d: 0.9 },
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { kind: 'cosine', warmupSteps: 20 },
  batchSize: 128,
  epochs: 1.5,
  augment: { shift: 2, flip: false },
  evalFlip: false,
  replicas: 'auto',
  validateEvery: 1,
  seed: 1
}

/** A few steps of the same recipe: for smoke tests and trying the pipeline. */
const fontsQuick: TrainConfig = { ...fonts, preset: 'fonts-quick', epochs: 0.1, batchSize: 64, validateEvery: 0 }

export const PRESETS: Readonly<Record<string, TrainConfig>> = {
  fonts,
  'fonts-quick': fontsQuick
}

export const DEFAULT_PRESET = 'fonts'

export function presetConfig(name: string): TrainConfig {
  const preset = PRESETS[name]
  if (!preset) throw new Error(`unknown preset "${name}"; choose one of: ${Object.keys(PRESETS).join(', ')}`)
  return structuredClone(preset)
}
