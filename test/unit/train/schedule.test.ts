import { describe, expect, it } from 'vitest'
import { learningRateAt } from '../../../src/core/train/schedule'

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
})
