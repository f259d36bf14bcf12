import { beforeAll, describe, expect, it } from 'vitest'
import {
  LOSS_KNOBS,
  LOSS_NAMES,
  defaultLossParams,
  isLossName,
  lossFromCosines,
  resolveLossParams,
  sphereFaceLambda,
  validateLossParams
} from '../../../src/core/losses'
import type { LossName, LossParams } from '../../../src/core/losses'
import { ints, mat, useCpu } from './helpers'

beforeAll(useCpu)

describe('defaults', () => {
  it('lists the eight losses in order', () => {
    expect(LOSS_NAMES).toEqual([
      'softmax',
      'normface',
      'sphereface',
      'cosface',
      'arcface',
      'dsoftmax',
      'dsoftmax-b',
      'dsoftmax-k'
    ])
    expect(isLossName('arcface')).toBe(true)
    expect(isLossName('triplet')).toBe(false)
  })
  it('has the usual values', () => {
    expect(defaultLossParams('softmax')).toEqual({})
    expect(defaultLossParams('normface')).toEqual({ s: 30 })
    expect(defaultLossParams('cosface')).toEqual({ s: 30, m: 0.35 })
    expect(defaultLossParams('arcface')).toEqual({ s: 30, m: 0.5, marginGradient: 'full', marginFallback: 'continuous' })
    expect(defaultLossParams('sphereface')).toEqual({ s: 30, m: 4, lambda: 5 })
    expect(defaultLossParams('dsoftmax')).toEqual({ s: 30, d: 0.9 })
    expect(defaultLossParams('dsoftmax-b')).toEqual({ s: 30, d: 0.9 })
    expect(defaultLossParams('dsoftmax-k')).toEqual({ s: 30, d: 0.9, rate: 1 / 64 })
  })
  it('defaults are valid and name exactly the knobs each loss reads', () => {
    for (const name of LOSS_NAMES) {
      expect(validateLossParams(name, defaultLossParams(name))).toEqual([])
      expect(validateLossParams(name)).toEqual([])
      expect(Object.keys(defaultLossParams(name)).sort()).toEqual(LOSS_KNOBS[name].filter((k) => k !== 'count').sort())
    }
  })
  it('resolve fills defaults and ignores undefined overrides', () => {
    const p = resolveLossParams('cosface', { s: 64, m: undefined })
    expect(p.s).toBe(64)
    expect(p.m).toBe(0.35)
  })
  it('sphereFaceLambda follows the original schedule down to its floor', () => {
    expect(sphereFaceLambda(0)).toBe(1000)
    expect(sphereFaceLambda(100)).toBeCloseTo(1000 / 13, 10)
    expect(sphereFaceLambda(1e6)).toBe(5)
  })
})

describe('validateLossParams refuses bad values with readable messages', () => {
  const bad: [LossName, LossParams, RegExp][] = [
    ['dsoftmax', { d: 0 }, /d must lie strictly between 0 and 1 \(got 0\)/],
    ['dsoftmax', { d: 1 }, /d must lie strictly between 0 and 1 \(got 1\)/],
    ['dsoftmax-b', { d: -0.2 }, /d must lie strictly between 0 and 1/],
    ['dsoftmax', { s: 0 }, /Scale s must be a positive number \(got 0\)/],
    ['normface', { s: -3 }, /Scale s must be a positive number/],
    ['arcface', { s: Number.NaN }, /Scale s must be a positive number \(got NaN\)/],
    ['cosface', { m: 1 }, /CosFace margin m must be in \[0, 1\) \(got 1\)/],
    ['cosface', { m: -0.1 }, /CosFace margin/],
    ['arcface', { m: 2 }, /ArcFace margin m must be an angle in \[0, π\/2\) radians \(got 2\)/],
    ['sphereface', { m: 2.5 }, /SphereFace margin m must be an integer from 1 to 10 \(got 2.5\)/],
    ['sphereface', { m: 0 }, /SphereFace margin/],
    ['sphereface', { m: 11 }, /SphereFace margin/],
    ['sphereface', { lambda: -1 }, /λ must be a number ≥ 0 \(got -1\)/],
    ['dsoftmax-k', { rate: 0 }, /Sampling rate must be in \(0, 1\] \(got 0\)/],
    ['dsoftmax-k', { rate: 1.5 }, /Sampling rate must be in \(0, 1\]/],
    ['dsoftmax-k', { count: 0 }, /Sample count must be a positive integer \(got 0\)/],
    ['dsoftmax-k', { count: 2.5 }, /Sample count must be a positive integer/],
    ['arcface', { marginGradient: 'partial' as 'full' }, /marginGradient must be 'full' or 'detached' \(got "partial"\)/]
  ]
  for (const [name, params, message] of bad) {
    it(`${name} ${JSON.stringify(params)}`, () => {
      const problems = validateLossParams(name, params)
      expect(problems.length).toBe(1)
      expect(problems[0]).toMatch(message)
    })
  }
  it('collects every problem, not just the first', () => {
    expect(validateLossParams('dsoftmax-k', { s: 0, d: 2, rate: 0 })).toHaveLength(3)
  })
  it('names an unknown loss', () => {
    expect(validateLossParams('triplet' as LossName, {})).toEqual(['Unknown loss "triplet".'])
  })
  it('ignores knobs the loss does not read; count makes rate irrelevant', () => {
    expect(validateLossParams('normface', { d: 5, m: -1, rate: 9 })).toEqual([])
    expect(validateLossParams('dsoftmax-k', { count: 10, rate: 0 })).toEqual([])
  })
  it('lossFromCosines throws the same messages', () => {
    expect(() => lossFromCosines('dsoftmax', { d: 1.2 }, mat([[0.1, 0.2]]), ints([0]))).toThrow(
      /Invalid dsoftmax parameters: d must lie strictly between 0 and 1 \(got 1.2\)/
    )
  })
  it('lossFromCosines refuses mismatched shapes', () => {
    expect(() => lossFromCosines('normface', {}, mat([[0.1, 0.2]]), ints([0, 1]))).toThrow(/labels must be \[1\]/)
  })
})
