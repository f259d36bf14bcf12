import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { ProgressEvent } from '../../../../src/common/trainer'
import { progressPayload } from '../../../helpers/progress'
import { useTrainingStore } from '../../../../src/renderer/src/stores/training'
import { createFakeApi } from './fake-api'
import { runDetail, runSummary, trainingState } from './contract-fixtures'
import { withApi } from './store-helpers'

function progress(step: number, loss: number): ProgressEvent {
  return {
    type: 'progress',
    ...progressPayload({
      epoch: step / 312,
      step,
      totalSteps: 468,
      loss,
      intra: loss / 2,
      inter: loss / 2,
      lr: 0.1,
      imagesPerSecond: 100 + step,
      etaSeconds: 468 - step
    })
  }
}

describe('training store', () => {
  it('attaches to a run: its history first, then live events through the contract', async () => {
    const fake = createFakeApi()
    withApi(fake.api)
    const store = useTrainingStore()
    await store.attach('run-1')
    expect(store.runId).toBe('run-1')
    expect(store.state?.phase).toBe('running')
    // History: 3 train points (a null loss is a gap), 1 validation point.
    expect(store.trainSeries.length).toBe(3)
    const [x, loss] = store.trainSeries.view(['loss'])
    expect(Array.from(x)).toEqual([1, 2, 3])
    expect(loss[0]).toBe(9)
    expect(Number.isNaN(loss[2])).toBe(true)
    expect(store.validationSeries.last('auc')).toBe(0.8)
    expect(store.log).toEqual(['run started', 'step 3'])

    const before = store.version
    for (let step = 4; step <= 2003; step++) fake.emit('training:event', { runId: 'run-1', event: progress(step, 10 / step) })
    expect(store.trainSeries.length).toBe(2003)
    expect(store.version).toBe(before + 2000)
    expect(store.state?.step).toBe(2003)
    expect(store.state?.etaSeconds).toBe(468 - 2003)
    expect(store.progress).toBe(1)
    // Another run's events do not leak into this dashboard.
    fake.emit('training:event', { runId: 'other', event: progress(5000, 1) })
    expect(store.trainSeries.lastX()).toBe(2003)
    fake.emit('training:event', {
      runId: 'run-1',
      event: {
        type: 'validation',
        step: 2003,
        epoch: 6,
        validation: { set: 'val', auc: 0.93, eer: 0.1, tenFold: 0.9, metric: 'auc', value: 0.93, best: true }
      }
    })
    expect(store.validationSeries.last('auc')).toBe(0.93)
    fake.emit('training:log', { runId: 'run-1', lines: ['validation: AUC 0.93'] })
    expect(store.log.at(-1)).toBe('validation: AUC 0.93')
    store.unlisten()
    expect(fake.listenerCount()).toBe(0)
  })

  it('a resumed run drops the curve after its checkpoint step', async () => {
    const fake = createFakeApi()
    withApi(fake.api)
    const store = useTrainingStore()
    await store.attach('run-1')
    for (let step = 4; step <= 10; step++) fake.emit('training:event', { runId: 'run-1', event: progress(step, 1) })
    fake.emit('training:event', {
      runId: 'run-1',
      event: {
        type: 'started',
        runId: 'run-1',
        runDir: '/w/runs/run-1',
        backend: { choice: 'wasm', description: 'wasm' },
        device: 'wasm',
        dataset: { name: 'fonts', examples: 1, classes: 1, valPairs: 1 },
        model: { backbone: 'glyph-cnn', parameters: 1, macsPerImage: 1 },
        replicas: 1,
        totalSteps: 468,
        stepsPerEpoch: 312,
        startStep: 6,
        resumedFrom: 'step-6'
      }
    })
    expect(store.trainSeries.lastX()).toBe(6)
    fake.emit('training:event', { runId: 'run-1', event: progress(7, 0.5) })
    expect(store.trainSeries.last('loss')).toBe(0.5)
    expect(store.trainSeries.length).toBe(7)
    store.unlisten()
  })

  it('pause, resume and stop go to the host with the run id and take its answer', async () => {
    const fake = createFakeApi()
    withApi(fake.api)
    const store = useTrainingStore()
    await store.attach('run-1')
    expect(store.canPause).toBe(true)
    await store.pause()
    expect(store.state?.phase).toBe('paused')
    expect(store.canResume).toBe(true)
    await store.resume()
    expect(store.state?.phase).toBe('running')
    await store.stopRun()
    expect(store.state?.phase).toBe('stopping')
    const controls = fake.requests.filter((r) => r.channel.startsWith('training:') && r.channel !== 'training:active')
    expect(controls).toEqual([
      { channel: 'training:pause', request: { runId: 'run-1' } },
      { channel: 'training:resume', request: { runId: 'run-1' } },
      { channel: 'training:stop', request: { runId: 'run-1' } }
    ])
    store.unlisten()
  })

  it('offers resume for an interrupted run and says why it stopped', async () => {
    const fake = createFakeApi({
      handlers: {
        'training:active': () => Promise.resolve([]),
        'runs:get': ({ id }) =>
          Promise.resolve(
            runDetail({
              summary: runSummary({ id, status: 'interrupted', resumable: true, message: 'trainer exited with code 137' })
            })
          )
      }
    })
    withApi(fake.api)
    const store = useTrainingStore()
    await store.attach('run-9')
    expect(store.state).toBeNull()
    expect(store.canResumeRun).toBe(true)
    await store.resumeRun()
    expect(fake.requests.at(-1)).toEqual({ channel: 'training:resumeRun', request: { runId: 'run-9' } })
    expect(store.state?.phase).toBe('starting')
    expect(store.canResumeRun).toBe(false)
    // The host announces the end: the store re-reads the run.
    fake.emit('training:state', trainingState({ runId: 'run-9', phase: 'stopped' }))
    await flushPromises()
    expect(store.state?.phase).toBe('stopped')
    expect(fake.requests.filter((r) => r.channel === 'runs:get')).toHaveLength(2)
    store.unlisten()
  })

  it('reports host errors in words', async () => {
    const fake = createFakeApi({
      handlers: {
        'training:pause': () =>
          Promise.reject(new Error("Error invoking remote method 'training:pause': Error: run-1 is not running"))
      }
    })
    withApi(fake.api)
    const store = useTrainingStore()
    await store.attach('run-1')
    await store.pause()
    expect(store.error).toBe('run-1 is not running')
    store.unlisten()
  })
})
