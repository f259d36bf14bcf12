// Named recipes. The default is the demo: D-Softmax on the bundled font identities, sized to
// finish in about five minutes on a two-core laptop without a GPU (1.5 epochs: test AUC ≈ 0.93 on
// the design-disjoint split, see resources/fonts/README.md).
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

/**
 * The paper's Figure 1 study (src/core/train/study.ts picks the classes): glyphs labelled by
 * character, a 3-D embedding from the glyph CNN's linear variant (batch norm over a 3-D embedding
 * keeps clusters loose), 300 steps of 32 without augmentation. D-Softmax at s = 10 (measured with
 * seed 1: on 10 classes in 3-D, s = 5, 10 and 30 all leave a pair of classes or centres under 5°).
 * One data-parallel thread, so the result does not depend on the core count.
 */
const figure1Dsoftmax: TrainConfig = {
  ...fonts,
  preset: 'figure1-dsoftmax',
  dataset: 'fonts-chars',
  backbone: 'glyph-cnn-linear',
  embeddingDim: 3,
  loss: 'dsoftmax',
  lossParams: { s: 10, d: 0.9 },
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { kind: 'cosine', warmupSteps: 20 },
  batchSize: 32,
  epochs: 1,
  steps: 300,
  augment: { shift: 0, flip: false },
  replicas: 1,
  validateEvery: 0
}
/** Figure 1's baseline: plain (unnormalized) softmax with a bias, the same recipe otherwise. */
const figure1Softmax: TrainConfig = { ...figure1Dsoftmax, preset: 'figure1-softmax', loss: 'softmax', lossParams: {} }

/** The demo recipe with the other common heads (measured on these glyphs: NormFace ties D-Softmax). */
const fontsNormface: TrainConfig = { ...fonts, preset: 'fonts-normface', loss: 'normface', lossParams: { s: 30 } }
/** ArcFace m = 0.5 underfits these glyphs from a cold start: a quarter epoch of plain Softmax first. */
const fontsArcface: TrainConfig = {
  ...fonts,
  preset: 'fonts-arcface',
  loss: 'arcface',
  lossParams: { s: 30, m: 0.5 },
  softmaxWarmupEpochs: 0.25
}
/** SphereFace m = 4 with its original λ annealing (λ from 1000 down to 5). */
const fontsSphereface: TrainConfig = {
  ...fonts,
  preset: 'fonts-sphereface',
  loss: 'sphereface',
  lossParams: { s: 30, m: 4 },
  lambdaAnnealing: { base: 1000, gamma: 0.12, power: 1, min: 5 }
}
/** D-Softmax-K: 64 negative classes a step; the centres' sparse store updates only those rows. */
const fontsDsoftmaxK: TrainConfig = {
  ...fonts,
  preset: 'fonts-dsoftmax-k',
  loss: 'dsoftmax-k',
  lossParams: { s: 30, d: 0.9, count: 64 }
}

/**
 * Faces from disk (--data an identity folder or train.rec, --val a .bin/pairs.txt): the usual
 * insightface-style recipe: 112×112 RGB, SGD 0.1 momentum 0.9, weight decay 5e-4, step decay
 * at 40/70/90 %, flip augmentation, validation each epoch keeping the best by 10-fold accuracy.
 */
const faces: TrainConfig = {
  ...fonts,
  preset: 'faces-mobilefacenet',
  dataset: 'files',
  backbone: 'mobilefacenet',
  embeddingDim: 128,
  inputSize: 112,
  loss: 'dsoftmax',
  lossParams: { s: 30, d: 0.9 },
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4, clipNorm: 10 },
  schedule: { kind: 'step', warmupSteps: 500, milestones: [0.4, 0.7, 0.9], gamma: 0.1 },
  batchSize: 128,
  epochs: 20,
  augment: { shift: 0, flip: true },
  evalFlip: true,
  validateEvery: 1,
  bestMetric: 'tenFold',
  keepCheckpoints: 3
}
/** A larger face backbone with ArcFace (m = 0.5), the field's reference recipe. */
const facesIr50Arcface: TrainConfig = {
  ...faces,
  preset: 'faces-ir50-arcface',
  backbone: 'ir-50',
  embeddingDim: 512,
  loss: 'arcface',
  lossParams: { s: 64, m: 0.5 }
}

export const PRESETS: Readonly<Record<string, TrainConfig>> = {
  fonts,
  'fonts-quick': fontsQuick,
  'fonts-normface': fontsNormface,
  'fonts-arcface': fontsArcface,
  'fonts-sphereface': fontsSphereface,
  'fonts-dsoftmax-k': fontsDsoftmaxK,
  'faces-mobilefacenet': faces,
  'faces-ir50-arcface': facesIr50Arcface,
  'figure1-softmax': figure1Softmax,
  'figure1-dsoftmax': figure1Dsoftmax
}

export const DEFAULT_PRESET = 'fonts'

export function presetConfig(name: string): TrainConfig {
  // Own keys only: `constructor` or `toString` must not resolve through Object.prototype.
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined
  if (!preset) throw new Error(`unknown preset "${name}"; choose one of: ${Object.keys(PRESETS).join(', ')}`)
  return structuredClone(preset)
}
