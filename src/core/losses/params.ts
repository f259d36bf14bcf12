import type { LossName, LossParams, ResolvedLossParams } from './types'
import { MARGIN_FALLBACKS, MARGIN_GRADIENTS, isLossName } from './types'

import { LOSS_KNOBS } from '../../common/schemas/recipe'

export { LOSS_KNOBS }

/** SphereFace's multiplier is an integer; Chebyshev polynomials beyond this add nothing but overflow risk. */
export const SPHEREFACE_MAX_M = 10

/**
 * The usual defaults, only the knobs the loss reads. s = 30 everywhere (the bundled
 * font task and the paper's D-Softmax runs); SphereFace's λ = 5 is the floor its
 * original annealing schedule ends at (see sphereFaceLambda).
 */
export function defaultLossParams(name: LossName): LossParams {
  switch (name) {
    case 'softmax':
      return {}
    case 'normface':
      return { s: 30 }
    case 'sphereface':
      return { s: 30, m: 4, lambda: 5 }
    case 'cosface':
      return { s: 30, m: 0.35 }
    case 'arcface':
      return { s: 30, m: 0.5, marginGradient: 'full', marginFallback: 'continuous' }
    case 'dsoftmax':
    case 'dsoftmax-b':
      return { s: 30, d: 0.9 }
    case 'dsoftmax-k':
      return { s: 30, d: 0.9, rate: 1 / 64 }
  }
}

// Neutral values for the knobs a loss does not read, so resolved params are total.
const NEUTRAL: ResolvedLossParams = {
  s: 1,
  m: 0,
  d: 0.9,
  rate: 1,
  marginGradient: 'full',
  marginFallback: 'continuous',
  lambda: 0
}

function defined(params: LossParams): LossParams {
  const out: LossParams = {}
  for (const [key, value] of Object.entries(params) as [keyof LossParams, unknown][]) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value
  }
  return out
}

/** Defaults, then the caller's values (undefined entries do not override). */
export function resolveLossParams(name: LossName, params: LossParams = {}): ResolvedLossParams {
  return { ...NEUTRAL, ...defaultLossParams(name), ...defined(params) }
}

const fmt = (v: unknown): string => (typeof v === 'number' ? String(v) : JSON.stringify(v))

/**
 * Human-readable problems with the parameters (defaults filled in first); empty when
 * they are usable. Only the knobs the loss reads are checked.
 */
export function validateLossParams(name: LossName, params: LossParams = {}): string[] {
  if (!isLossName(name)) return [`Unknown loss ${fmt(name)}.`]
  const p = resolveLossParams(name, params)
  const knobs = LOSS_KNOBS[name]
  const problems: string[] = []
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

  if (knobs.includes('s') && !(isNum(p.s) && p.s > 0)) {
    problems.push(`Scale s must be a positive number (got ${fmt(p.s)}).`)
  }
  if (knobs.includes('d') && !(isNum(p.d) && p.d > 0 && p.d < 1)) {
    problems.push(`d must lie strictly between 0 and 1 (got ${fmt(p.d)}).`)
  }
  if (knobs.includes('m')) {
    if (name === 'cosface' && !(isNum(p.m) && p.m >= 0 && p.m < 1)) {
      problems.push(`CosFace margin m must be in [0, 1) (got ${fmt(p.m)}).`)
    }
    if (name === 'arcface' && !(isNum(p.m) && p.m >= 0 && p.m < Math.PI / 2)) {
      problems.push(`ArcFace margin m must be an angle in [0, π/2) radians (got ${fmt(p.m)}).`)
    }
    if (name === 'sphereface' && !(Number.isInteger(p.m) && p.m >= 1 && p.m <= SPHEREFACE_MAX_M)) {
      problems.push(`SphereFace margin m must be an integer from 1 to ${SPHEREFACE_MAX_M} (got ${fmt(p.m)}).`)
    }
  }
  if (knobs.includes('lambda') && !(isNum(p.lambda) && p.lambda >= 0)) {
    problems.push(`SphereFace λ must be a number ≥ 0 (got ${fmt(p.lambda)}).`)
  }
  if (knobs.includes('marginGradient') && !(MARGIN_GRADIENTS as readonly unknown[]).includes(p.marginGradient)) {
    problems.push(`marginGradient must be ${MARGIN_GRADIENTS.map((g) => `'${g}'`).join(' or ')} (got ${fmt(p.marginGradient)}).`)
  }
  if (knobs.includes('marginFallback') && !(MARGIN_FALLBACKS as readonly unknown[]).includes(p.marginFallback)) {
    problems.push(
      `marginFallback must be one of ${MARGIN_FALLBACKS.map((f) => `'${f}'`).join(', ')} (got ${fmt(p.marginFallback)}).`
    )
  }
  if (knobs.includes('count') && p.count !== undefined && !(Number.isInteger(p.count) && p.count >= 1)) {
    problems.push(`Sample count must be a positive integer (got ${fmt(p.count)}).`)
  }
  if (knobs.includes('rate') && p.count === undefined && !(isNum(p.rate) && p.rate > 0 && p.rate <= 1)) {
    problems.push(`Sampling rate must be in (0, 1] (got ${fmt(p.rate)}).`)
  }
  return problems
}

/** Knobs set in `params` that `name` does not read (a recipe that sets them would mislead its reader). */
export function unreadKnobs(name: LossName, params: LossParams): (keyof LossParams)[] {
  const reads = LOSS_KNOBS[name] ?? []
  return (Object.keys(params) as (keyof LossParams)[]).filter((key) => params[key] !== undefined && !reads.includes(key))
}

/** Resolved params, or an Error listing every problem. */
export function checkedLossParams(name: LossName, params: LossParams = {}): ResolvedLossParams {
  const problems = validateLossParams(name, params)
  if (problems.length > 0) throw new Error(`Invalid ${String(name)} parameters: ${problems.join(' ')}`)
  return resolveLossParams(name, params)
}

/**
 * SphereFace's original annealing: λ = max(min, base·(1 + gamma·iteration)^(−power)),
 * base 1000, gamma 0.12, power 1, min 5. The trainer calls this per step and passes λ.
 */
export function sphereFaceLambda(
  iteration: number,
  { base = 1000, gamma = 0.12, power = 1, min = 5 }: { base?: number; gamma?: number; power?: number; min?: number } = {}
): number {
  return Math.max(min, base * Math.pow(1 + gamma * Math.max(0, iteration), -power))
}
