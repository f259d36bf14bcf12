// The one reducer from run events to a training's state (host and dashboard share it), fed a
// recorded event sequence and compared with the state worked out by hand.
import { describe, expect, it } from 'vitest'
import { PROGRESS_METRICS, type RunEvent } from '../../../src/common/trainer'
import { initialTrainingState, progressPoint, reduceTrainingState } from '../../../src/common/trainingState'
import { progressPayload } from '../../helpers/progress'

const started: RunEvent = {
  type: 'started',
  runId: 'r-7',
  runDir: '/w/runs/r-7',
  backend: { choice: 'wasm', description: 'wasm (SIMD)' },
  device: 'wasm, 1 + 1 data-parallel worker thread',
  dataset: { name: 'bundled fonts', examples: 1280, classes: 20, valPairs: 200 },
  model: { backbone: 'glyph-cnn', parameters: 1234, macsPerImage: 5678 },
  replicas: 2,
  totalSteps: 40,
  stepsPerEpoch: 20,
  startStep: 10,
  resumedFrom: 'step-10'
}
const step = (n: number, loss: number, imagesPerSecond: number, etaSeconds: number): RunEvent => ({
  type: 'progress',
  ...progressPayload({
    step: n,
    epoch: Math.ceil(n / 20),
    totalSteps: 40,
    loss,
    intra: loss / 2,
    inter: loss / 2,
    lr: 0.1,
    imagesPerSecond,
    etaSeconds
  })
})

describe('training state reducer', () => {
  it('follows a resumed run through progress, a pause, a validation and its end', () => {
    const recorded: RunEvent[] = [
      started,
      step(11, 2.5, 120, 29),
      { type: 'paused', step: 11 },
      // A step already under way lands while paused: still paused.
      step(12, Number.NaN, Number.POSITIVE_INFINITY, Number.NaN),
      { type: 'resumed', step: 12 },
      {
        type: 'validation',
        step: 12,
        epoch: 1,
        validation: { set: 'val', auc: 0.9, eer: 0.1, tenFold: 0.88, metric: 'auc', value: 0.9, best: true }
      },
      { type: 'warning', message: 'loss spike', step: 12 },
      step(13, 2.1, 130, 27),
      { type: 'finished', runId: 'r-7', runDir: '/w/runs/r-7', steps: 13, seconds: 4, stopped: true }
    ]
    const phases: string[] = []
    let state = initialTrainingState('r-7')
    for (const event of recorded) {
      state = reduceTrainingState(state, event)
      phases.push(state.phase)
    }
    expect(phases).toEqual(['running', 'running', 'paused', 'paused', 'running', 'running', 'running', 'running', 'stopped'])
    expect(state).toEqual({
      runId: 'r-7',
      runDir: '/w/runs/r-7',
      phase: 'stopped',
      backend: 'wasm',
      device: 'wasm, 1 + 1 data-parallel worker thread',
      dataset: { name: 'bundled fonts', examples: 1280, classes: 20, valPairs: 200 },
      model: { backbone: 'glyph-cnn', parameters: 1234, macsPerImage: 5678 },
      step: 13,
      totalSteps: 40,
      stepsPerEpoch: 20,
      epoch: 1,
      imagesPerSecond: 130,
      etaSeconds: 0
    })
  })

  it('starts at the checkpoint epoch, keeps a pending stop, and reads non-finite speed as unknown', () => {
    const afterStart = reduceTrainingState(initialTrainingState('r-7'), started)
    expect(afterStart).toMatchObject({ phase: 'running', step: 10, epoch: 0.5 })
    const stopping = { ...afterStart, phase: 'stopping' as const }
    const next = reduceTrainingState(stopping, step(11, 1, Number.NaN, Number.POSITIVE_INFINITY))
    expect(next).toMatchObject({ phase: 'stopping', step: 11, imagesPerSecond: null, etaSeconds: null })
    expect(reduceTrainingState(stopping, { type: 'paused', step: 11 }).phase).toBe('stopping')
  })

  it('ends failed or interrupted with the message in words', () => {
    const running = reduceTrainingState(initialTrainingState('r-7'), started)
    expect(reduceTrainingState(running, { type: 'failed', message: 'diverged at step 12' })).toMatchObject({
      phase: 'failed',
      message: 'diverged at step 12'
    })
    expect(
      reduceTrainingState(running, { type: 'exited', code: 137, signal: null, interrupted: true, message: 'killed' })
    ).toMatchObject({ phase: 'interrupted', message: 'killed' })
    expect(
      reduceTrainingState(running, { type: 'exited', code: 1, signal: null, interrupted: false, message: 'crashed' })
    ).toMatchObject({ phase: 'failed' })
    // Events that change no state return it unchanged (same object: no needless redraw).
    expect(
      reduceTrainingState(running, {
        type: 'checkpoint',
        step: 10,
        dir: 'step-10',
        reason: 'interval',
        best: false,
        seconds: 0.1
      })
    ).toBe(running)
  })

  it('charts every progress metric, and nothing else', () => {
    const point = progressPoint(
      progressPayload({
        step: 5,
        epoch: 1,
        totalSteps: 40,
        etaSeconds: 3,
        loss: 2,
        intra: 1.5,
        inter: 0.5,
        lr: 0.01,
        imagesPerSecond: 99
      })
    )
    expect(Object.keys(point).sort()).toEqual([...PROGRESS_METRICS].sort())
    expect(point).toMatchObject({ loss: 2, intra: 1.5, inter: 0.5, lr: 0.01, imagesPerSecond: 99 })
  })
})
