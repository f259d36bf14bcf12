// Training on webgpu (SwiftShader here) against wasm with one replica: the fonts-quick recipe with
// seed 5 over 8 steps; a run resumes across the two backends in both directions; the trainer
// process records webgpu as the run's backend.
//
// How close is close enough. One step agrees to ~1e-6 (test/unit/backend/webgpu.test.ts), but this
// recipe (D-Softmax at s = 30, lr 0.1 with momentum, still at loss ≈ 37) amplifies rounding step
// by step: measured cpu against wasm, two CPU backends, the loss differs by 3e-5 at step 3, 1.4e-3
// at step 5 and 4.8e-3 at step 8. So each step's webgpu loss must lie within 1e-3 of wasm's, or
// within twice the distance between cpu and wasm at that step — as close to wasm as cpu is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { initBackend, type BackendChoice } from '../../src/core/backend'
import { fontImageSet, loadFontDataset, type LabelledImageSet } from '../../src/core/data'
import { CheckpointStore, type LoadedCheckpoint } from '../../src/core/train/checkpoint'
import { presetConfig } from '../../src/core/train/presets'
import { trainModel } from '../../src/core/train/trainer'
import { readRunRecord } from '../../src/core/train/runs'
import type { TrainConfig } from '../../src/core/train/config'
import { useSwiftShader } from '../unit/backend/webgpuSetup'
import { progressEvents, trainerSessions } from '../helpers/trainerSessions'

const available = useSwiftShader('webgpu-train.test.ts')
const RELATIVE = 1e-3
/** SwiftShader takes seconds per step of batch 64, and compiles every shader on first use. */
const SLOW = 1_200_000
const sessions = trainerSessions('dsoftmax-webgpu-train-')
const { workspace, launch } = sessions
afterAll(() => sessions.close())

/** `--preset fonts-quick --seed 5 --steps 8 --replicas 1`, with a checkpoint half-way. */
const recipe: TrainConfig = { ...presetConfig('fonts-quick'), seed: 5, steps: 8, replicas: 1, checkpointEverySteps: 4 }

/** Per-step loss bounds around wasm's, from the cpu-vs-wasm distance (see the header). */
let bounds = new Map<number, number>()
const close = (actual: number, step: number, reference: Map<number, number>): boolean =>
  Math.abs(actual - (reference.get(step) as number)) <= (bounds.get(step) as number)

/** Training losses by step on `backend`, from `resume` when given; checkpoints into `store`. */
async function lossesOn(
  backend: BackendChoice,
  train: LabelledImageSet,
  store?: CheckpointStore,
  resume?: LoadedCheckpoint
): Promise<Map<number, number>> {
  await initBackend({ force: backend })
  const losses = new Map<number, number>()
  const model = await trainModel(
    recipe,
    { train },
    { onEvent: (e) => e.type === 'step' && losses.set(e.step, e.loss) },
    { backend, checkpoints: store, resume }
  )
  model.dispose()
  return losses
}

describe.skipIf(!available)('training on webgpu', () => {
  let train: LabelledImageSet
  let wasm: Map<number, number>
  let wasmStore: CheckpointStore

  beforeAll(async () => {
    train = fontImageSet(await loadFontDataset(), 'train', 'font')
    wasmStore = new CheckpointStore(join(workspace, 'wasm-checkpoints'), 4)
    wasm = await lossesOn('wasm', train, wasmStore)
    const cpu = await lossesOn('cpu', train)
    bounds = new Map(
      [...wasm].map(([step, loss]) => [step, Math.max(RELATIVE * Math.abs(loss), 2 * Math.abs((cpu.get(step) as number) - loss))])
    )
  }, SLOW)

  it(
    '8 steps of fonts-quick (seed 5) follow wasm with one replica as closely as cpu does',
    async () => {
      const gpu = await lossesOn('webgpu', train)
      expect([...gpu.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      for (const [step, loss] of gpu)
        expect(
          close(loss, step, wasm),
          `step ${step}: webgpu ${loss} vs wasm ${wasm.get(step)} (bound ${bounds.get(step)})`
        ).toBe(true)
      // The first steps, before the recipe has amplified anything, agree to 1e-4.
      for (const step of [1, 2, 3])
        expect(Math.abs((gpu.get(step) as number) - (wasm.get(step) as number)) / (wasm.get(step) as number)).toBeLessThan(1e-4)
      // The run learns: the comparison is between moving losses, not two constants.
      expect(wasm.get(8)).toBeLessThan(wasm.get(1) as number)
    },
    SLOW
  )

  it(
    'a wasm checkpoint resumes on webgpu and continues as wasm did',
    async () => {
      const half = wasmStore.load('step-00000004')
      expect(half.meta.step).toBe(4)
      const gpu = await lossesOn('webgpu', train, undefined, half)
      expect([...gpu.keys()]).toEqual([5, 6, 7, 8])
      for (const [step, loss] of gpu) expect(close(loss, step, wasm), `step ${step}`).toBe(true)
    },
    SLOW
  )

  it(
    'the trainer process records webgpu as the run’s backend; the stopped run resumes on wasm and ends where wasm alone does',
    async () => {
      // The forked trainer inherits VK_ICD_FILENAMES from this process: it sees SwiftShader too.
      // Stopped after step 4 (before the final test evaluation, which takes minutes on SwiftShader).
      const first = launch({ config: recipe, backend: 'webgpu' }, (event, host) => {
        if (event.type === 'progress' && event.step === 4) host.stop()
      })
      const stopped = await first.end
      expect(stopped).toMatchObject({ type: 'finished', stopped: true })
      const runDir = (stopped as { runDir: string }).runDir
      const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as {
        backend: { choice: string; adapter?: { fallback: boolean } }
      }
      expect(config.backend.choice).toBe('webgpu')
      expect(config.backend.adapter?.fallback).toBe(true)
      const stoppedAt = readRunRecord(runDir).step as number
      expect(stoppedAt).toBeGreaterThanOrEqual(4)
      for (const p of progressEvents(first.events)) expect(close(p.loss, p.step, wasm), `step ${p.step}`).toBe(true)

      const second = launch({ resumeRun: basename(runDir), backend: 'wasm' })
      const done = await second.end
      expect(done).toMatchObject({ type: 'finished' })
      const resumed = progressEvents(second.events)
      expect(resumed.map((p) => p.step)).toEqual(Array.from({ length: 8 - stoppedAt }, (_, i) => stoppedAt + 1 + i))
      for (const p of resumed) expect(close(p.loss, p.step, wasm), `step ${p.step}`).toBe(true)
      expect(readRunRecord(runDir).status).toBe('finished')
    },
    SLOW
  )
})
