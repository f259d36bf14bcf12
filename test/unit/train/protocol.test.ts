// The trainer protocol's schemas: what each end accepts, and what it refuses.
import { describe, expect, it } from 'vitest'
import { presetConfig } from '../../../src/core/train/presets'
import { trainerCommandSchema, trainerProcessEventSchema } from '../../../src/common/trainer'
import { progressPayload } from '../../helpers/progress'

const accepts = (schema: { safeParse(v: unknown): { success: boolean } }) => (value: unknown) => schema.safeParse(value).success
const isTrainerCommand = accepts(trainerCommandSchema)
const isTrainerProcessEvent = accepts(trainerProcessEventSchema)

describe('trainer protocol', () => {
  it('accepts start with exactly one of a recipe (under a run id) or a run to resume, and the control commands', () => {
    const config = presetConfig('fonts-quick')
    expect(isTrainerCommand({ type: 'start', workspace: '/w', runId: 'r0', config })).toBe(true)
    expect(isTrainerCommand({ type: 'start', workspace: '/w', resumeRun: 'r1', backend: 'wasm' })).toBe(true)
    expect(isTrainerCommand({ type: 'start', workspace: '/w' })).toBe(false)
    expect(isTrainerCommand({ type: 'start', workspace: '/w', runId: 'r0', config, resumeRun: 'r1' })).toBe(false)
    expect(isTrainerCommand({ type: 'start', workspace: 3, runId: 'r0', config })).toBe(false)
    // A new run needs the id its host chose, and a whole recipe.
    expect(isTrainerCommand({ type: 'start', workspace: '/w', config })).toBe(false)
    expect(isTrainerCommand({ type: 'start', workspace: '/w', runId: '../x', config })).toBe(false)
    expect(isTrainerCommand({ type: 'start', workspace: '/w', runId: 'r0', config: { loss: 'dsoftmax' } })).toBe(false)
    expect(isTrainerCommand({ type: 'start', workspace: '/w', resumeRun: 'r1', backend: 'tpu' })).toBe(false)
    for (const type of ['pause', 'resume', 'stop']) expect(isTrainerCommand({ type })).toBe(true)
    expect(isTrainerCommand({ type: 'reboot' })).toBe(false)
    expect(isTrainerCommand('stop')).toBe(false)
  })

  it('checks every event field', () => {
    const progress = {
      type: 'progress' as const,
      ...progressPayload({
        epoch: 1,
        step: 3,
        totalSteps: 10,
        loss: 1,
        intra: 0.6,
        inter: 0.4,
        lr: 0.1,
        imagesPerSecond: 30,
        etaSeconds: 5
      })
    }
    expect(isTrainerProcessEvent(progress)).toBe(true)
    expect(isTrainerProcessEvent({ ...progress, loss: '1' })).toBe(false)
    const { lr: _lr, ...withoutLr } = progress
    expect(isTrainerProcessEvent(withoutLr)).toBe(false)
    // A diverged loss and an unknown ETA are numbers too.
    expect(isTrainerProcessEvent({ ...progress, loss: Number.NaN, etaSeconds: Number.POSITIVE_INFINITY })).toBe(true)
    const validation = { set: 'val', auc: 0.9, eer: 0.1, tenFold: 0.88, metric: 'auc', value: 0.9, best: true }
    expect(isTrainerProcessEvent({ type: 'epoch-end', epoch: 1, step: 4, validation })).toBe(true)
    expect(isTrainerProcessEvent({ type: 'epoch-end', epoch: 1, step: 4, validation: { ...validation, best: 'yes' } })).toBe(
      false
    )
    expect(isTrainerProcessEvent({ type: 'failed', message: 'training diverged at step 3' })).toBe(true)
    expect(isTrainerProcessEvent({ type: 'failed' })).toBe(false)
    expect(
      isTrainerProcessEvent({
        type: 'finished',
        runId: 'r',
        runDir: '/r',
        steps: 3,
        seconds: 1,
        stopped: false,
        test: { set: 't', auc: 0.9, eer: 0.1, tenFold: 0.8 }
      })
    ).toBe(true)
    expect(isTrainerProcessEvent({ type: 'exited', code: 1, signal: null, interrupted: true, message: 'x' })).toBe(false)
  })
})
