// The trainer protocol's guards: what each end accepts, and what it refuses.
import { describe, expect, it } from 'vitest'
import { isTrainerCommand, isTrainerEvent, type TrainerEvent } from '../../../src/common/trainer'

describe('trainer protocol', () => {
  it('accepts start with exactly one of a recipe or a run to resume, and the control commands', () => {
    expect(isTrainerCommand({ type: 'start', workspace: '/w', config: { loss: 'dsoftmax' } })).toBe(true)
    expect(isTrainerCommand({ type: 'start', workspace: '/w', resumeRun: 'r1', backend: 'wasm' })).toBe(true)
    expect(isTrainerCommand({ type: 'start', workspace: '/w' })).toBe(false)
    expect(isTrainerCommand({ type: 'start', workspace: '/w', config: {}, resumeRun: 'r1' })).toBe(false)
    expect(isTrainerCommand({ type: 'start', workspace: 3, config: {} })).toBe(false)
    for (const type of ['pause', 'resume', 'stop']) expect(isTrainerCommand({ type })).toBe(true)
    expect(isTrainerCommand({ type: 'reboot' })).toBe(false)
    expect(isTrainerCommand('stop')).toBe(false)
  })

  it('checks every event field', () => {
    const progress: TrainerEvent = { type: 'progress', epoch: 1, step: 3, totalSteps: 10, loss: 1, intra: 0.6, inter: 0.4, lr: 0.1, imagesPerSecond: 30, etaSeconds: 5 }
    expect(isTrainerEvent(progress)).toBe(true)
    expect(isTrainerEvent({ ...progress, loss: '1' })).toBe(false)
    const { lr: _lr, ...withoutLr } = progress
    expect(isTrainerEvent(withoutLr)).toBe(false)
    const validation = { set: 'val', auc: 0.9, eer: 0.1, tenFold: 0.88, metric: 'auc', value: 0.9, best: true }
    expect(isTrainerEvent({ type: 'epoch-end', epoch: 1, step: 4, validation })).toBe(true)
    expect(isTrainerEvent({ type: 'epoch-end', epoch: 1, step: 4, validation: { ...validation, best: 'yes' } })).toBe(false)
    expect(isTrainerEvent({ type: 'failed', message: 'training diverged at step 3' })).toBe(true)
    expect(isTrainerEvent({ type: 'failed' })).toBe(false)
    expect(isTrainerEvent({ type: 'finished', runId: 'r', runDir: '/r', steps: 3, seconds: 1, stopped: false, test: { set: 't', auc: 0.9, eer: 0.1, tenFold: 0.8 } })).toBe(true)
    expect(isTrainerEvent({ type: 'exited', code: 1, signal: null, interrupted: true, message: 'x' })).toBe(false)
  })
})
