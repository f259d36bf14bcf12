/**
 * What each knob means, in one line each, for the New run form. Which knobs a loss reads is
 * LOSS_KNOBS (src/common); the engine owns the rules (validateLossParams).
 */
import type { LossKnob } from '../../../common/schemas/recipe'
import { describeAngle, describeCosine } from './angles'

export type KnobName = LossKnob

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
