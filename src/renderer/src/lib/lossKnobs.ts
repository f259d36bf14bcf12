/**
 * What each loss and each knob means, in one line each, for the New run form. The engine
 * owns the rules (validateLossParams); this is the explanation a user reads before choosing.
 */
import { describeAngle, describeCosine } from './angles'

export type KnobName = 's' | 'm' | 'd' | 'rate' | 'count' | 'lambda' | 'marginGradient' | 'marginFallback'

export interface LossInfo {
  label: string
  summary: string
  knobs: readonly KnobName[]
}

export const LOSS_INFO: Readonly<Record<string, LossInfo>> = {
  softmax: {
    label: 'Softmax',
    summary: 'Plain softmax with a bias on unnormalized features: the classical baseline.',
    knobs: []
  },
  normface: { label: 'NormFace', summary: 'Softmax on cosines scaled by s: normalized features and centres.', knobs: ['s'] },
  sphereface: {
    label: 'SphereFace',
    summary: 'Multiplies the target angle by m (cos mθ), blended with softmax by λ.',
    knobs: ['s', 'm', 'lambda']
  },
  cosface: { label: 'CosFace', summary: 'Subtracts a cosine margin m from the target logit.', knobs: ['s', 'm'] },
  arcface: {
    label: 'ArcFace',
    summary: 'Adds an angular margin m to the target angle: cos(θ + m).',
    knobs: ['s', 'm', 'marginGradient', 'marginFallback']
  },
  dsoftmax: {
    label: 'D-Softmax',
    summary: 'Dissected softmax: an intra-class pull that stops at cosine d, and an inter-class push, independent of each other.',
    knobs: ['s', 'd']
  },
  'dsoftmax-b': {
    label: 'D-Softmax-B',
    summary: 'D-Softmax whose inter-class part uses only the classes present in the mini-batch (fast for many identities).',
    knobs: ['s', 'd']
  },
  'dsoftmax-k': {
    label: 'D-Softmax-K',
    summary: 'D-Softmax whose inter-class part uses a random sample of the classes each step (fast for many identities).',
    knobs: ['s', 'd', 'rate', 'count']
  }
}

export const KNOB_LABELS: Readonly<Record<KnobName, string>> = {
  s: 'Scale s',
  m: 'Margin m',
  d: 'Intra-class target d',
  rate: 'Sampling rate r',
  count: 'Sampled classes K',
  lambda: 'λ (softmax blend)',
  marginGradient: 'Margin gradient',
  marginFallback: 'Margin fallback'
}

/** One line per knob: what turning it does. `loss` matters for m, which means different things. */
export function explainKnob(knob: KnobName, loss: string): string {
  switch (knob) {
    case 's':
      return 'Sharpness of the logits: larger s makes the loss saturate later (typical 30–64; use ~10 for a 3-D embedding).'
    case 'd':
      return 'Cosine at which the pull toward the own class centre stops: higher d asks for tighter clusters (typical 0.9).'
    case 'm':
      if (loss === 'arcface')
        return 'Angle (radians) added to the target angle before the cosine: a larger m separates classes more, too large underfits.'
      if (loss === 'cosface')
        return 'Cosine subtracted from the target logit: a larger m demands a larger gap to the other classes.'
      return 'Integer multiplier of the target angle (cos mθ): a larger m is a stronger, harder-to-train margin.'
    case 'rate':
      return 'Share of the other classes in the inter-class sum each step (e.g. 1/64): smaller is faster, noisier.'
    case 'count':
      return 'Exact number of negative classes sampled each step; overrides the rate when set.'
    case 'lambda':
      return 'Weight of plain softmax blended into the margin logit: high λ trains easily, λ → 0 is the full margin.'
    case 'marginGradient':
      return '"full" lets the gradient flow through the margin; "detached" adds it as a constant, as some popular code does.'
    case 'marginFallback':
      return 'Target where the margin is not used: "continuous" (ours, no jump), "insightface" (z − m·sin m past π − m), or "easy" (no margin past 90°), to compare with published runs.'
  }
}

/** The margin as an angle, in degrees and radians, where the knob is one. */
export function knobAngle(knob: KnobName, loss: string, value: number): string | null {
  if (!Number.isFinite(value)) return null
  if (knob === 'd') return value > -1 && value < 1 ? `pull stops at θ = ${describeCosine(value)}` : null
  if (knob === 'm' && loss === 'arcface') return `margin ${describeAngle(value)}`
  if (knob === 'm' && loss === 'cosface') return `at the target angle 0 the margin equals ${describeCosine(1 - value)}`
  if (knob === 'm' && loss === 'sphereface') return `a target angle θ counts as ${value}·θ (30° → ${(30 * value).toFixed(0)}°)`
  return null
}
