import { describe, expect, it } from 'vitest'
import { learningRateAt, validateSchedule } from '../../../src/core/train/schedule'

describe('learning-rate schedules', () => {
  it('warms up linearly, then follows a half cosine to zero', () => {
    const s = { kind: 'cosine' as const, warmupSteps: 10 }
    expect(learningRateAt(s, 0.1, 0, 110)).toBeCloseTo(0.01)
    expect(learningRateAt(s, 0.1, 9, 110)).toBeCloseTo(0.1)
    expect(learningRateAt(s, 0.1, 10, 110)).toBeCloseTo(0.1)
    expect(learningRateAt(s, 0.1, 60, 110)).toBeCloseTo(0.05)
    expect(learningRateAt(s, 0.1, 110, 110)).toBeCloseTo(0)
  })

  it('steps down by gamma at each milestone', () => {
    const s = { kind: 'step' as const, milestones: [0.5, 0.75], gamma: 0.1 }
    expect(learningRateAt(s, 1, 0, 100)).toBe(1)
    expect(learningRateAt(s, 1, 50, 100)).toBeCloseTo(0.1)
    expect(learningRateAt(s, 1, 80, 100)).toBeCloseTo(0.01)
  })

  it('decays polynomially after the warm-up: base·(1 − progress)^power above a floor', () => {
    const s = { kind: 'polynomial' as const, warmupSteps: 4, power: 2, minFactor: 0.1 }
    expect(learningRateAt(s, 1, 1, 104)).toBeCloseTo(0.5)
    expect(learningRateAt(s, 1, 4, 104)).toBeCloseTo(1)
    // progress 0.5: 0.1 + 0.9·0.25
    expect(learningRateAt(s, 1, 54, 104)).toBeCloseTo(0.325)
    expect(learningRateAt(s, 1, 104, 104)).toBeCloseTo(0.1)
    expect(learningRateAt({ kind: 'polynomial', power: 1 }, 2, 25, 100)).toBeCloseTo(1.5)
  })

  it('reports bad settings', () => {
    expect(validateSchedule({ kind: 'polynomial', power: 0, warmupSteps: 1.5 })).toEqual([
      'warm-up steps must be a whole number ≥ 0, got 1.5',
      'polynomial power must be > 0, got 0'
    ])
    expect(validateSchedule({ kind: 'step', milestones: [0.5, 1.2], gamma: 0.1 })).toEqual([
      'step milestones must be fractions of the run in (0, 1), got [0.5, 1.2]'
    ])
  })
})
