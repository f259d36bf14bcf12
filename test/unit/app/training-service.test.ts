/**
 * The training service over a scripted trainer channel (no process): it resolves a start on
 * `started`, relays events, keeps the dashboard's state, sends pause/resume/stop, and turns an
 * early failure into an error in words.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { EventChannel, TrainingState } from '../../../src/common/contract'
import type { StartedEvent, TrainerCommand, TrainerProcessEvent } from '../../../src/common/trainer'
import type { TrainerChannel } from '../../../src/core/train/process/host'
import { TaskRegistry } from '../../../src/services/tasks'
import { describeEvent, TrainingService } from '../../../src/services/training'
import { PRESETS } from '../../../src/core/train/presets'
import { progressPayload } from '../../helpers/progress'

const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-training-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function scriptedChannel(): TrainerChannel & {
  sent: TrainerCommand[]
  push(event: TrainerProcessEvent): void
  exit(code: number | null): void
} {
  let onMessage: (message: unknown) => void = () => {}
  let onExit: (code: number | null, signal: string | null) => void = () => {}
  const sent: TrainerCommand[] = []
  return {
    pid: 4242,
    sent,
    send: (command) => void sent.push(command),
    onMessage: (listener) => void (onMessage = listener),
    onExit: (listener) => void (onExit = listener),
    kill: () => {},
    push: (event) => onMessage(event),
    exit: (code) => onExit(code, null)
  }
}

const STARTED: StartedEvent = {
  type: 'started',
  runId: 'r-1',
  runDir: join(dir, 'runs', 'r-1'),
  backend: { choice: 'wasm', description: 'wasm' },
  device: 'wasm, 1 thread',
  dataset: { name: 'fonts', examples: 1000, classes: 10, valPairs: 100 },
  model: { backbone: 'glyph-cnn', parameters: 5, macsPerImage: 7 },
  replicas: 1,
  totalSteps: 20,
  stepsPerEpoch: 10,
  startStep: 0
}

/** The id a start command gave the new run (the host chooses it). */
function runIdSent(command: TrainerCommand | undefined): string {
  if (command?.type !== 'start' || !('runId' in command)) throw new Error('no start command for a new run was sent')
  return command.runId
}

function setup() {
  const channel = scriptedChannel()
  const emitted: { event: EventChannel; payload: unknown }[] = []
  const ended: TrainingState[] = []
  const emit = (event: EventChannel, payload: unknown): void => void emitted.push({ event, payload })
  const service = new TrainingService(
    { workspace: () => dir, emit: emit as never, tasks: new TaskRegistry(emit as never), isTraining: () => false },
    { launch: () => channel, onRunEnded: (s) => ended.push(s) }
  )
  return { channel, emitted, ended, service }
}

describe('training service', () => {
  it('starts, relays progress into the state, pauses, stops and reports the end once', async () => {
    const { channel, emitted, ended, service } = setup()
    const starting = service.start({ kind: 'quick' })
    expect(channel.sent[0]).toMatchObject({ type: 'start', workspace: dir, config: { preset: 'fonts' } })
    // The host names the run; the trainer starts it under that id.
    const id = runIdSent(channel.sent[0])
    channel.push({ ...STARTED, runId: id, runDir: join(dir, 'runs', id) })
    const state = await starting
    expect(state).toMatchObject({ runId: id, phase: 'running', backend: 'wasm', totalSteps: 20 })
    expect(service.isTraining(id)).toBe(true)

    channel.push({
      type: 'progress',
      ...progressPayload({
        epoch: 0.5,
        step: 5,
        totalSteps: 20,
        loss: Number.NaN,
        intra: 1,
        inter: 2,
        lr: 0.1,
        imagesPerSecond: 30,
        etaSeconds: Infinity
      })
    })
    expect(service.active()[0]).toMatchObject({ step: 5, epoch: 0.5, imagesPerSecond: 30, etaSeconds: null })
    service.pause(id)
    service.resume(id)
    expect(service.stop(id).phase).toBe('stopping')
    expect(channel.sent.slice(1).map((c) => c.type)).toEqual(['pause', 'resume', 'stop'])

    channel.push({ type: 'finished', runId: id, runDir: join(dir, 'runs', id), steps: 6, seconds: 3, stopped: true })
    expect(service.isTraining(id)).toBe(false)
    expect(ended.map((s) => s.phase)).toEqual(['stopped'])
    expect(
      emitted.filter((e) => e.event === 'training:event').map((e) => (e.payload as { event: { type: string } }).event.type)
    ).toEqual(['started', 'progress', 'finished'])
    const log = emitted.filter((e) => e.event === 'training:log').flatMap((e) => (e.payload as { lines: string[] }).lines)
    expect(log[0]).toMatch(new RegExp(`^started ${id}: glyph-cnn`))
    expect(log.at(-1)).toBe('stopped after 6 steps in 3 s')
    expect(() => service.pause(id)).toThrow(/not training/)
  })

  it('passes every validation set of a recipe on to the trainer, and refuses one that does not exist', async () => {
    const { channel, service } = setup()
    const files = ['train', 'a.bin', 'b.bin'].map((name) => join(dir, name))
    files.forEach((file) => writeFileSync(file, ''))
    const recipe = {
      ...PRESETS['faces-mobilefacenet'],
      dataset: 'files' as const,
      data: { train: files[0], val: files[1], extraVal: [files[2]] }
    }
    void service.start({ kind: 'recipe', recipe }).catch(() => {})
    // The recipe check loads the estimator first: give it time on a busy machine.
    await expect.poll(() => channel.sent.length, { timeout: 60_000 }).toBe(1)
    expect(channel.sent[0]).toMatchObject({
      type: 'start',
      config: { data: { train: files[0], val: files[1], extraVal: [files[2]] } }
    })
    const missing = { ...recipe, data: { ...recipe.data, extraVal: [join(dir, 'missing.bin')] } }
    await expect(service.start({ kind: 'recipe', recipe: missing })).rejects.toThrow(
      `validation pairs ${join(dir, 'missing.bin')} do not exist`
    )
  })

  it('turns a failure before the run started into an error in words', async () => {
    const { channel, service } = setup()
    const starting = service.start({ kind: 'quick' })
    channel.push({ type: 'failed', message: 'the bundled dataset is missing' })
    await expect(starting).rejects.toThrow('the run could not start: the bundled dataset is missing')
    expect(service.active()).toEqual([])
  })

  it('marks a trainer that dies mid-run as interrupted', async () => {
    const { channel, ended, service } = setup()
    const starting = service.start({ kind: 'quick' })
    const id = runIdSent(channel.sent[0])
    mkdirSync(join(dir, 'runs', id), { recursive: true })
    writeFileSync(join(dir, 'runs', id, 'config.json'), '{}')
    channel.push({ ...STARTED, runId: id, runDir: join(dir, 'runs', id) })
    await starting
    channel.exit(137)
    expect(ended[0]).toMatchObject({ runId: id, phase: 'interrupted' })
    expect(ended[0].message).toMatch(/exited with code 137.*resumes from its last checkpoint/)
  })

  it('describes checkpoints, validations and warnings for the log', () => {
    expect(describeEvent({ type: 'checkpoint', step: 4, dir: '/x', reason: 'interval', best: true, seconds: 0.1 })).toBe(
      'checkpoint at step 4 (interval, best)'
    )
    expect(describeEvent({ type: 'warning', message: 'loss spike' })).toBe('warning: loss spike')
    expect(
      describeEvent({
        type: 'progress',
        ...progressPayload({
          epoch: 0,
          step: 3,
          totalSteps: 20,
          loss: 1,
          intra: 1,
          inter: 1,
          lr: 1,
          imagesPerSecond: 1,
          etaSeconds: 1
        })
      })
    ).toBeNull()
  })
})
