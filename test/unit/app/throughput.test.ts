// The recipe estimate's time comes from this machine's measured speed (cached per backend and
// model family, re-measured on other hardware), and says what it is based on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { TrainRecipe } from '../../../src/common/contract'
import { PRESETS } from '../../../src/core/train/presets'
import { specCost } from '../../../src/core/models/plan'
import { backboneSpec } from '../../../src/core/models/architectures'
import { estimateRecipe } from '../../../src/services/estimate'
import { currentMachine, ThroughputCache } from '../../../src/services/throughput'
import type { JobRunner } from '../../../src/services/jobs/runner'
import type { ThroughputMeasurement } from '../../../src/services/jobs/protocol'

const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-speed-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const measurement = (over: Partial<ThroughputMeasurement> = {}): ThroughputMeasurement => ({
  backend: 'wasm',
  family: 'glyph',
  model: 'glyph-cnn 32×32×1, batch 64',
  replicas: 2,
  imagesPerSecond: 400,
  macsPerImage: 2.27e6,
  machine: currentMachine(),
  measuredAt: '2026-12-04T02:00:00.000Z',
  ...over
})

/** A job runner that answers measurements and counts them. */
function fakeRunner(answer: ThroughputMeasurement): { run: JobRunner; calls: number } {
  const state = { calls: 0, run: null as unknown as JobRunner }
  state.run = ((kind: string) => {
    expect(kind).toBe('measure-throughput')
    state.calls++
    return Promise.resolve(answer)
  }) as unknown as JobRunner
  return state
}

describe('the recipe estimate', () => {
  const fonts = structuredClone(PRESETS.fonts) as unknown as TrainRecipe
  const macs = specCost(backboneSpec('glyph-cnn', { embeddingDim: 128, inputSize: 32, channels: 1 })).macs

  it('scales the measured speed by MACs per image and names the measurement', () => {
    const m = measurement({ macsPerImage: 2 * macs })
    const estimate = estimateRecipe(fonts, { examples: 80_000, classes: 1300 }, { measured: m, backend: 'wasm' })
    // half the MACs of the measured model: twice its speed
    expect(estimate.secondsPerEpoch).toBeCloseTo(80_000 / 800, 6)
    expect(estimate.basis).toContain('400.0 img/s measured on this machine')
    expect(estimate.basis).toContain('on wasm with 2 replicas')
    expect(estimate.basis).toContain('2026-12-04')
  })

  it('says when it falls back to the fixed figure and why', () => {
    const estimate = estimateRecipe(
      fonts,
      { examples: 80_000, classes: 1300 },
      { measured: null, backend: 'wasm', measuring: true }
    )
    expect(estimate.secondsPerEpoch).toBeCloseTo((80_000 * macs) / (33 * 45e6), 6)
    expect(estimate.basis).toMatch(/fallback of 33 img\/s .* because this machine's wasm speed is being measured now/)
    expect(estimate.speedPending).toBe(true)
    expect(estimateRecipe(fonts, null, { measured: measurement(), backend: 'wasm' }).speedPending).toBeUndefined()
  })
})

describe('the speed cache', () => {
  it('measures once per backend and family, stores it, and reads it back', async () => {
    const file = join(dir, 'a', 'throughput.json')
    const runner = fakeRunner(measurement())
    const cache = new ThroughputCache(file, runner.run)
    expect(cache.lookup('wasm', 'glyph')).toBeNull()
    expect(cache.isMeasuring('wasm', 'glyph')).toBe(true)
    expect(cache.lookup('wasm', 'glyph')).toBeNull() // still running: no second job
    await cache.measure('wasm', 'glyph')
    expect(runner.calls).toBe(1)
    expect(cache.lookup('wasm', 'glyph')?.imagesPerSecond).toBe(400)
    expect(JSON.parse(readFileSync(file, 'utf8'))['wasm/glyph'].imagesPerSecond).toBe(400)
    const again = fakeRunner(measurement({ imagesPerSecond: 1 }))
    expect(new ThroughputCache(file, again.run).lookup('wasm', 'glyph')?.imagesPerSecond).toBe(400)
    expect(again.calls).toBe(0)
  })

  it('does not start a failed measurement again at every check', async () => {
    let calls = 0
    const failing = (() => {
      calls++
      return Promise.reject(new Error('the engine worker ended'))
    }) as unknown as JobRunner
    const cache = new ThroughputCache(join(dir, 'c-throughput.json'), failing)
    expect(cache.lookup('wasm', 'glyph')).toBeNull()
    expect(await cache.measure('wasm', 'glyph')).toBeNull()
    expect(cache.lookup('wasm', 'glyph')).toBeNull()
    expect(cache.isMeasuring('wasm', 'glyph')).toBe(false)
    expect(calls).toBe(1) // measure() joined the lookup's job; the later lookup starts none
  })

  it('measures again on other hardware, and ignores a broken file', async () => {
    const file = join(dir, 'b-throughput.json')
    writeFileSync(file, JSON.stringify({ 'wasm/glyph': measurement({ machine: 'Some Other CPU × 64' }) }))
    const runner = fakeRunner(measurement())
    expect(new ThroughputCache(file, runner.run).lookup('wasm', 'glyph')).toBeNull()
    expect(runner.calls).toBe(1)
    writeFileSync(file, '{ not json')
    const broken = fakeRunner(measurement())
    expect(new ThroughputCache(file, broken.run).lookup('wasm', 'face')).toBeNull()
    expect(broken.calls).toBe(1)
  })
})
