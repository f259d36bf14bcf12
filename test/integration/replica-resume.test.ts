// The done-when of exact data-parallel training: a two-replica D-Softmax-K run in a trainer process,
// killed with SIGKILL mid-run and resumed from its run folder, ends with final weights bit-identical
// to its uninterrupted twin (the sampled negatives, the sparse store on every replica, batch norm
// across replicas, the replica count and the backend all come back as the run recorded them).
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { presetConfig } from '../../src/core/train/presets'
import type { TrainConfig } from '../../src/core/train/config'
import { trainerSessions } from '../helpers/trainerSessions'

const sessions = trainerSessions('dsoftmax-replica-resume-')
const { workspace, launch } = sessions
afterAll(() => sessions.close())

const recipe = {
  ...presetConfig('fonts-quick'),
  loss: 'dsoftmax-k',
  lossParams: { s: 30, d: 0.9, rate: 1 / 64 },
  batchSize: 16,
  steps: 10,
  replicas: 2,
  checkpointEverySteps: 3,
  validateEvery: 0
} satisfies TrainConfig

const finalWeights = (runDir: string): Float32Array =>
  new Float32Array(new Uint8Array(readFileSync(join(runDir, 'checkpoints/final/weights.bin'))).buffer)

describe('two-replica D-Softmax-K, kill -9 and resume', () => {
  it('ends bit-identical to the uninterrupted twin', async () => {
    const twin = launch({ config: recipe, backend: 'wasm' })
    const twinEnd = await twin.end
    expect(twinEnd.type).toBe('finished')
    expect(twin.events.find((e) => e.type === 'started')).toMatchObject({ replicas: 2 })
    const expected = finalWeights((twinEnd as { runDir: string }).runDir)

    let runId = ''
    const killed = launch({ config: recipe, backend: 'wasm' }, (event, host) => {
      if (event.type === 'started') runId = event.runId
      // Past the step-6 checkpoint, before step 9's.
      if (event.type === 'progress' && event.step === 8) host.kill('SIGKILL')
    })
    expect(await killed.end).toMatchObject({ type: 'exited', signal: 'SIGKILL' })

    const resumed = launch({ resumeRun: runId })
    const end = await resumed.end
    expect(end.type).toBe('finished')
    expect(resumed.events.find((e) => e.type === 'started')).toMatchObject({ startStep: 6, replicas: 2 })
    expect(resumed.events.filter((e) => e.type === 'warning')).toEqual([])
    const got = finalWeights(join(workspace, 'runs', runId))
    expect(got.length).toBe(expected.length)
    let differing = 0
    for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) differing++
    expect(differing).toBe(0)
  }, 300_000)
})
