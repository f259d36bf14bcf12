// The sweeps channels on the services the hosts build: a plan's run count and time estimate add
// up from the per-run recipe checks; bad plans answer with the problem (not an error); a sweep
// in the workspace lists and reports queued; unknown sweeps are not-found. Every answer parses
// against the contract.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseRequest, parseResponse, type EventChannel, type TrainRecipe } from '../../../src/common/contract'
import { PRESETS } from '../../../src/core/train/presets'
import { createSweep } from '../../../src/core/sweep/store'
import { expandSweep } from '../../../src/core/sweep/grid'
import type { Services } from '../../../src/services/index'
import { createTestServices } from './testServices'

let dir: string
let s: Services
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-sweeps-service-'))
  const emitted: { event: EventChannel; payload: unknown }[] = []
  s = createTestServices({ settingsFile: join(dir, 'settings.json'), defaultWorkspace: join(dir, 'ws'), emitted })
})
afterEach(async () => {
  await s.shutdown()
  rmSync(dir, { recursive: true, force: true })
})

const base = PRESETS['fonts-quick'] as unknown as TrainRecipe

describe('sweeps service', () => {
  it('plans: one estimate per run from the recipe check, their sum, and the wall time K at a time', async () => {
    const request = parseRequest('sweeps:plan', [
      {
        base,
        plan: { mode: 'grid', axes: [{ field: 'batchSize', values: [32, 64, 128] }] },
        scheduler: { kind: 'local', maxParallel: 2 }
      }
    ])
    const plan = parseResponse('sweeps:plan', await s.handlers['sweeps:plan'](request))
    expect(plan.problems).toEqual([])
    expect(plan.runs.map((r) => r.name)).toEqual(['batchSize-32', 'batchSize-64', 'batchSize-128'])
    const perRun = await Promise.all(
      [32, 64, 128].map((batchSize) => s.handlers['training:validate']({ recipe: { ...base, batchSize } }))
    )
    const expected = perRun.map(
      (c) =>
        ((c.estimate?.secondsPerEpoch as number) * (c.estimate?.totalSteps as number)) / (c.estimate?.stepsPerEpoch as number)
    )
    expect(plan.estimate?.secondsPerRun).toEqual(expected)
    const total = expected.reduce((a, b) => a + b, 0)
    expect(plan.estimate?.totalSeconds).toBeCloseTo(total, 9)
    expect(plan.estimate?.wallSeconds).toBeCloseTo(total / 2, 9)
  })

  it('answers a bad plan with its problem, naming the field, and refuses to start it', async () => {
    const request = {
      base,
      plan: { mode: 'grid' as const, axes: [{ field: 'lossParams.q', values: [1] }] },
      scheduler: { kind: 'local' as const }
    }
    const plan = await s.handlers['sweeps:plan'](request)
    expect(plan.problems).toEqual([
      'invalid sweep: "lossParams.q": lossParams has no knob "q" (knobs: s, m, lambda, marginGradient, marginFallback, d, rate, count)'
    ])
    await expect(Promise.resolve().then(() => s.handlers['sweeps:start'](request))).rejects.toMatchObject({ code: 'bad-request' })
    expect(s.handlers['sweeps:list'](undefined)).toEqual([])
  })

  it('lists a workspace sweep and reports its runs queued; an unknown sweep is not-found', async () => {
    const workspace = join(dir, 'ws')
    const plan = { mode: 'grid' as const, axes: [{ field: 'lossParams.d', values: [0.8, 0.9] }] }
    const runs = expandSweep(PRESETS['fonts-quick'], plan)
    createSweep(workspace, {
      id: 'sw-1',
      createdAt: '2026-12-04T06:00:00.000Z',
      base: PRESETS['fonts-quick'],
      plan,
      scheduler: { kind: 'local', maxParallel: 1 },
      runs
    })
    expect(parseResponse('sweeps:list', s.handlers['sweeps:list'](undefined))).toEqual([
      { id: 'sw-1', createdAt: '2026-12-04T06:00:00.000Z', scheduler: 'local', fields: ['lossParams.d'], runs: 2 }
    ])
    const status = parseResponse('sweeps:status', await s.handlers['sweeps:status']({ id: 'sw-1' }))
    expect(status.runs.map((r) => [r.name, r.runId, r.state])).toEqual([
      ['d-0.8', 'sw-1-d-0.8', 'queued'],
      ['d-0.9', 'sw-1-d-0.9', 'queued']
    ])
    expect(status.served).toBe(false)
    const compared = parseResponse('sweeps:compare', await s.handlers['sweeps:compare']({ id: 'sw-1' }))
    expect(compared.runs.map((r) => r.result)).toEqual([null, null])
    await expect(Promise.resolve().then(() => s.handlers['sweeps:status']({ id: 'nope' }))).rejects.toMatchObject({
      code: 'not-found'
    })
    // Cancelling queued runs needs no scheduler: they just leave the queue.
    const cancelled = await s.handlers['sweeps:cancel']({ id: 'sw-1' })
    expect(cancelled.runs.map((r) => r.state)).toEqual(['cancelled', 'cancelled'])
  })
})
