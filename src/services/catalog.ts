/** `training:catalog`: presets, backbones and losses with each knob explained in one line. */
import type { TrainingCatalog } from '../common/contract'
import { BACKBONE_NAMES, LOSS_NAMES, TRAIN_BACKENDS, type LossName } from '../common/names'
import type { LossParams } from '../common/schemas/recipe'
import { LOSS_KNOBS, defaultLossParams } from '../core/losses/params'
import { BACKBONE_INFO, inputChannels } from '../core/models/architectures'
import { DEFAULT_PRESET, PRESETS } from '../core/train/presets'

const PRESET_TEXT: Record<string, string> = {
  fonts: 'D-Softmax on the bundled font identities: 1.5 epochs, about five minutes on a two-core laptop (test AUC ≈ 0.94).',
  'fonts-quick': 'The same recipe for a tenth of an epoch: a smoke test of the whole pipeline in under a minute.',
  'figure1-softmax': "The paper's Figure 1 baseline: plain softmax, 3-D embedding of glyphs labelled by character.",
  'figure1-dsoftmax': "The paper's Figure 1: D-Softmax (s = 10) with a 3-D embedding — see the classes on the sphere."
}

const LOSS_LABELS: Record<LossName, string> = {
  softmax: 'Softmax (with bias)',
  normface: 'NormFace (normalized softmax)',
  sphereface: 'SphereFace (A-Softmax)',
  cosface: 'CosFace (additive cosine margin)',
  arcface: 'ArcFace (additive angular margin)',
  dsoftmax: 'D-Softmax (dissected intra/inter-class objectives)',
  'dsoftmax-b': 'D-Softmax-B (sampled negatives by batch)',
  'dsoftmax-k': 'D-Softmax-K (a sampled fraction of the classes)'
}

type Knob = TrainingCatalog['losses'][number]['knobs'][number]

function knob(loss: LossName, name: keyof LossParams, value: LossParams[keyof LossParams]): Knob {
  const base = { name, default: value ?? null } as const
  switch (name) {
    case 's':
      return {
        ...base,
        label: 'scale s',
        unit: 'none',
        explanation:
          'Multiplies the cosine logits: larger s sharpens the softmax (≈ 30 for thousands of classes; too small and the loss cannot fall).'
      }
    case 'm':
      if (loss === 'arcface')
        return {
          ...base,
          label: 'margin m',
          unit: 'radians',
          explanation: 'Added to the angle of the target class before the cosine: cos(θ + m). 0.5 rad ≈ 28.6°.'
        }
      if (loss === 'sphereface')
        return {
          ...base,
          label: 'margin m',
          unit: 'multiplier',
          explanation: 'Multiplies the target angle: cos(m·θ), a whole number (4 in the paper).'
        }
      return {
        ...base,
        label: 'margin m',
        unit: 'cosine',
        explanation: 'Subtracted from the target cosine: cos θ − m (0.35 in the paper).'
      }
    case 'd':
      return {
        ...base,
        label: 'intra-class target d',
        unit: 'cosine',
        explanation:
          'The cosine to its class centre beyond which a sample stops being pulled in; the inter-class term pushes other centres away on its own.'
      }
    case 'rate':
      return {
        ...base,
        label: 'sampling rate',
        unit: 'fraction',
        explanation:
          'Fraction of the classes used as negatives each step (1/64 keeps most of the accuracy at a fraction of the cost).'
      }
    case 'count':
      return {
        ...base,
        label: 'sampled classes',
        unit: 'classes',
        explanation: 'Number of negative classes sampled each step; overrides the rate when set.'
      }
    case 'lambda':
      return {
        ...base,
        label: 'λ',
        unit: 'none',
        explanation: 'Blends plain softmax into the margin target, (λ·cos θ + ψ(θ)) / (1 + λ); 0 = the pure margin.'
      }
    case 'marginGradient':
      return {
        ...base,
        label: 'margin gradient',
        unit: 'none',
        explanation: "'full' differentiates through cos(θ + m); 'detached' adds the margin as a constant."
      }
    case 'marginFallback':
      return {
        ...base,
        label: 'margin fallback',
        unit: 'none',
        explanation:
          "Target where cos(θ + m) is not used: 'continuous' z − (1 − cos m) past θ = π − m, 'insightface' z − m·sin m there, 'easy' no margin past 90°."
      }
  }
}

export function trainingCatalog(): TrainingCatalog {
  return {
    presets: Object.entries(PRESETS).map(([name, recipe]) => ({
      name,
      description: PRESET_TEXT[name] ?? `${recipe.loss} with ${recipe.backbone} on ${recipe.dataset}`,
      recipe: structuredClone(recipe),
      default: name === DEFAULT_PRESET
    })),
    backbones: BACKBONE_NAMES.map((name) => {
      const info = BACKBONE_INFO[name]
      return {
        name,
        description: info.description,
        inputSize: info.input[0],
        channels: inputChannels(name),
        embeddingDim: info.embeddingDim
      }
    }),
    losses: LOSS_NAMES.map((name) => {
      const defaults = defaultLossParams(name)
      return { name, label: LOSS_LABELS[name], knobs: LOSS_KNOBS[name].map((k) => knob(name, k, defaults[k])) }
    }),
    backends: [...TRAIN_BACKENDS]
  }
}
