// The trainer as a separate process (child_process.fork): kill -9 mid-epoch then resume reproduces
// an uninterrupted run; a corrupt newest checkpoint is skipped out loud; the host marks a killed
// run interrupted; pause/resume/stop; NaN stops cleanly naming the step.
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { presetConfig } from '../../src/core/train/presets'
import { readRunRecord } from '../../src/core/train/runs'
import type { TrainConfig } from '../../src/core/train/config'
import type { RunEvent } from '../../src/common/trainer'
import { progressEvents as progress, trainerSessions } from '../helpers/trainerSessions'

const sessions = trainerSessions('dsoftmax-trainer-process-')
const { workspace, launch } = sessions
afterAll(() => sessions.close())

/** A few steps on the bundled fonts; one replica so runs are bit-reproducible. */
const recipe = (overrides: Partial<TrainConfig> = {}): TrainConfig => ({
  ...presetConfig('fonts-quick'),
  batchSize: 16,
  steps: 12,
  replicas: 1,
  checkpointEverySteps: 3,
  validateEvery: 0,
  ...overrides
})

const finalWeights = (runDir: string): Float32Array =>
  new Float32Array(new Uint8Array(readFileSync(join(runDir, 'checkpoints/final/weights.bin'))).buffer)

describe('trainer process', () => {
  let reference: { losses: Map<number, number>; weights: Float32Array }

  it('an uninterrupted run: events in order, checkpoints, final weights', async () => {
    const run = launch({ config: recipe() })
    const end = await run.end
    expect(end.type).toBe('finished')
    const types = run.events.map((e) => e.type)
    expect(types[0]).toBe('ready')
    expect(types[1]).toBe('started')
    expect(types.filter((t) => t === 'progress')).toHaveLength(12)
    expect(run.events.filter((e) => e.type === 'checkpoint').map((e) => (e as { step: number }).step)).toEqual([3, 6, 9, 12])
    const finished = end as Extract<RunEvent, { type: 'finished' }>
    expect(finished.test?.set).toBe('test-fonts-test')
    expect(readRunRecord(finished.runDir).status).toBe('finished')
    reference = { losses: new Map(progress(run.events).map((p) => [p.step, p.loss])), weights: finalWeights(finished.runDir) }
  })

  it('kill -9 mid-epoch: the host marks the run interrupted; resume skips a truncated checkpoint and reproduces the uninterrupted run', async () => {
    let runId = ''
    const killed = launch({ config: recipe() }, (event, host) => {
      if (event.type === 'started') runId = event.runId
      if (event.type === 'progress' && event.step === 10) host.kill('SIGKILL')
    })
    const end = await killed.end
    expect(end).toMatchObject({ type: 'exited', signal: 'SIGKILL', interrupted: true, runId })
    expect(end.type === 'exited' && end.message).toMatch(/killed \(SIGKILL\).*marked interrupted/)
    const runDir = join(workspace, 'runs', runId)
    expect(readRunRecord(runDir).status).toBe('interrupted')
    // Damage the newest checkpoint: resume must say so and fall back to step 6.
    truncateSync(join(runDir, 'checkpoints/step-00000009/weights.bin'), 100)

    const resumed = launch({ resumeRun: runId })
    const done = await resumed.end
    expect(done.type).toBe('finished')
    const warnings = resumed.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)
    expect(warnings[0]).toMatch(/checkpoint step-00000009 is unusable \(.*weights\.bin is truncated/)
    expect(warnings[1]).toBe('resuming from step-00000006 (step 6) instead')
    expect(resumed.events.find((e) => e.type === 'started')).toMatchObject({ startStep: 6, resumedFrom: 'step-00000006' })
    const steps = progress(resumed.events)
    expect(steps.map((p) => p.step)).toEqual([7, 8, 9, 10, 11, 12])
    for (const p of steps) expect(p.loss).toBeCloseTo(reference.losses.get(p.step) as number, 5)
    const weights = finalWeights(runDir)
    expect(weights.length).toBe(reference.weights.length)
    let maxDiff = 0
    for (let i = 0; i < weights.length; i++) maxDiff = Math.max(maxDiff, Math.abs(weights[i] - reference.weights[i]))
    expect(maxDiff).toBeLessThanOrEqual(1e-6)
    expect(readRunRecord(runDir).status).toBe('finished')
  })

  it('pause, resume, then stop: finishes the step, writes a checkpoint, exits; the run is resumable', async () => {
    const run = launch({ config: recipe({ steps: 500 }) }, (event, host) => {
      if (event.type === 'progress' && event.step === 2) host.pause()
      if (event.type === 'paused') host.resume()
      if (event.type === 'resumed') host.stop()
    })
    const end = await run.end
    expect(end).toMatchObject({ type: 'finished', stopped: true })
    const types = run.events.map((e) => e.type)
    expect(types.indexOf('paused')).toBeGreaterThan(types.indexOf('progress'))
    expect(types.indexOf('resumed')).toBeGreaterThan(types.indexOf('paused'))
    const stopCheckpoint = run.events.find((e) => e.type === 'checkpoint' && e.reason === 'stop')
    const lastStep = progress(run.events).at(-1)?.step
    expect(stopCheckpoint).toMatchObject({ step: lastStep })
    const runDir = (end as { runDir: string }).runDir
    expect(readRunRecord(runDir)).toMatchObject({ status: 'stopped', step: lastStep })
    expect(readFileSync(join(runDir, 'log.txt'), 'utf8')).toMatch(/stopped at step \d+; resumable/)
  })

  it('NaN in the loss: fails cleanly with a message naming the step; the run is marked failed', async () => {
    const run = launch({
      config: recipe({
        loss: 'softmax',
        lossParams: {},
        optimizer: { kind: 'sgd', lr: 1e20, momentum: 0.9, weightDecay: 0 },
        schedule: { kind: 'constant' }
      })
    })
    const end = await run.end
    expect(end.type).toBe('failed')
    const failed = end as Extract<RunEvent, { type: 'failed' }>
    expect(failed.message).toMatch(
      new RegExp(`^training diverged at step ${failed.step}: .*What usually helps: a lower learning rate`)
    )
    expect(readRunRecord(failed.runDir as string)).toMatchObject({ status: 'failed', message: failed.message })
  })
})
