// Expanding a sweep: run counts, names, dotted paths, and refusals that name the field.
import { describe, expect, it } from 'vitest'
import { expandSweep, planProblems, runCount, SweepPlanError } from '../../../src/core/sweep/grid'
import { presetConfig } from '../../../src/core/train/presets'

const base = presetConfig('fonts-quick')

describe('expandSweep', () => {
  it('a grid is every combination, in axis order, each value set at its dotted path', () => {
    const plan = {
      mode: 'grid' as const,
      axes: [
        { field: 'lossParams.d', values: [0.7, 0.8, 0.9] },
        { field: 'lossParams.s', values: [16, 32] }
      ]
    }
    const runs = expandSweep(base, plan)
    expect(runCount(plan)).toBe(6)
    expect(runs.map((r) => r.name)).toEqual(['d-0.7_s-16', 'd-0.7_s-32', 'd-0.8_s-16', 'd-0.8_s-32', 'd-0.9_s-16', 'd-0.9_s-32'])
    for (const run of runs) {
      expect(run.recipe.lossParams).toEqual({ s: run.values['lossParams.s'], d: run.values['lossParams.d'] })
      // Everything not swept is the base recipe's.
      expect({ ...run.recipe, lossParams: base.lossParams }).toEqual(base)
    }
    // The base recipe is not changed by expansion.
    expect(base.lossParams).toEqual(presetConfig('fonts-quick').lossParams)
  })

  it('a list pairs the i-th values and refuses axes of different lengths', () => {
    const plan = {
      mode: 'list' as const,
      axes: [
        { field: 'optimizer.lr', values: [0.1, 0.05] },
        { field: 'steps', values: [10, 20] }
      ]
    }
    const runs = expandSweep(base, plan)
    expect(runs.map((r) => [r.recipe.optimizer.lr, r.recipe.steps])).toEqual([
      [0.1, 10],
      [0.05, 20]
    ])
    expect(runs.map((r) => r.name)).toEqual(['lr-0.1_steps-10', 'lr-0.05_steps-20'])
    expect(() =>
      expandSweep(base, {
        mode: 'list',
        axes: [
          { field: 'optimizer.lr', values: [0.1] },
          { field: 'steps', values: [10, 20] }
        ]
      })
    ).toThrow(/optimizer\.lr has 1, steps has 2/)
  })

  it('sweeping the loss keeps only the knobs each loss reads, plus the swept ones', () => {
    const runs = expandSweep(base, { mode: 'grid', axes: [{ field: 'loss', values: ['dsoftmax', 'normface', 'softmax'] }] })
    expect(runs.map((r) => [r.name, r.recipe.loss, r.recipe.lossParams])).toEqual([
      ['loss-dsoftmax', 'dsoftmax', { s: 30, d: 0.9 }],
      ['loss-normface', 'normface', { s: 30 }],
      ['loss-softmax', 'softmax', {}]
    ])
  })

  it('fields that share a last segment are named by their whole path', () => {
    const runs = expandSweep(base, {
      mode: 'grid',
      axes: [
        { field: 'optimizer.weightDecay', values: [1e-4] },
        { field: 'optimizer.lr', values: [0.1] }
      ]
    })
    expect(runs[0].name).toBe('weightDecay-0.0001_lr-0.1')
  })

  it('refuses an unknown field, naming it', () => {
    const cases: [string, RegExp][] = [
      ['lossParams.q', /"lossParams\.q": lossParams has no knob "q"/],
      ['learningRate', /"learningRate": the recipe has no field "learningRate"/],
      ['optimizer.rate', /"optimizer\.rate": the base recipe has no optimizer\.rate/],
      ['optimizer', /"optimizer" is a group of settings/],
      ['__proto__.x', /"__proto__\.x" is not a dotted field path/]
    ]
    for (const [field, message] of cases) {
      expect(() => expandSweep(base, { mode: 'grid', axes: [{ field, values: [1] }] })).toThrow(message)
      expect(() => expandSweep(base, { mode: 'grid', axes: [{ field, values: [1] }] })).toThrow(SweepPlanError)
    }
  })

  it('refuses values of the wrong type, repeated values and runs the engine would refuse, naming the run', () => {
    expect(planProblems(base, { mode: 'grid', axes: [{ field: 'lossParams.d', values: ['high'] }] })).toEqual([
      '"lossParams.d" takes a number, got "high"'
    ])
    expect(planProblems(base, { mode: 'grid', axes: [{ field: 'loss', values: ['arc'] }] })[0]).toMatch(
      /"loss": unknown loss "arc"/
    )
    expect(planProblems(base, { mode: 'grid', axes: [{ field: 'steps', values: [5, 5] }] })[0]).toMatch(
      /"steps" lists a value twice/
    )
    expect(planProblems(base, { mode: 'grid', axes: [] })).toEqual(['a sweep needs at least one field with values'])
    // validateTrainConfig / validateLossParams decide per run.
    expect(() => expandSweep(base, { mode: 'grid', axes: [{ field: 'batchSize', values: [16, 0] }] })).toThrow(
      /run batchSize-0 \(batchSize = 0\): batch size must be a positive number/
    )
    expect(() => expandSweep(base, { mode: 'grid', axes: [{ field: 'lossParams.d', values: [0.5, 1.5] }] })).toThrow(
      /run d-1.5 \(lossParams.d = 1.5\)/
    )
    // A knob the loss does not read is refused by the engine's own rule.
    expect(() => expandSweep(base, { mode: 'grid', axes: [{ field: 'lossParams.rate', values: [0.1] }] })).toThrow(
      /dsoftmax does not read lossParams\.rate/
    )
  })
})
