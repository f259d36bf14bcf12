// The insightface workflow with face backbones, end to end through the CLI, on files Python writes
// (scripts/face-fixtures.py: a .rec/.idx/property set by struct + PIL, .bin pair sets by pickle):
// train MobileFaceNet and IR-18 at 112×112, validate on one or two .bin sets every step (validation used to
// crash the wasm module with face backbones), keep the best checkpoint by the chosen metric, and
// export ONNX whose input ONNX Runtime itself reports as [N, 3, 112, 112].
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { main } from '../../src/cli/cli'
import type { CliIo } from '../../src/cli/io'
import { tempDir } from '../unit/data/fixtures'

const SCRIPT = new URL('../../scripts/face-fixtures.py', import.meta.url).pathname

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s)
  }
  return io
}

interface MetricRecord {
  kind: string
  step?: number
  set?: string
  auc?: number
  eer?: number
  value?: number
  best?: boolean
}

let dir: string
const savedCache = process.env.DSOFTMAX_CACHE_DIR

beforeAll(() => {
  dir = tempDir('dsoftmax-face-workflow-')
  process.env.DSOFTMAX_CACHE_DIR = join(dir, 'cache')
  // 4 identities × 3 images for training; 8 verification pairs in each .bin.
  execFileSync('/usr/bin/python3', [SCRIPT, join(dir, 'data'), '4', '3', '8'])
})
afterAll(() => {
  if (savedCache === undefined) delete process.env.DSOFTMAX_CACHE_DIR
  else process.env.DSOFTMAX_CACHE_DIR = savedCache
  rmSync(dir, { recursive: true, force: true })
})

/** Trains through the CLI; returns the run folder and its metrics records. */
async function train(args: string[]): Promise<{ run: string; metrics: MetricRecord[] }> {
  const io = capture()
  const code = await main(
    [
      'train',
      '--preset',
      'faces-mobilefacenet',
      '--data',
      join(dir, 'data', 'train.rec'),
      '--replicas',
      '1',
      '--out',
      join(dir, 'ws'),
      '--json',
      ...args
    ],
    io
  )
  expect(io.err).not.toMatch(/error:|out of bounds|Aborted/)
  expect(code).toBe(0)
  const result = JSON.parse(io.out) as { run: string; status: string }
  expect(result.status).toBe('finished')
  const metrics = readFileSync(join(result.run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricRecord)
  return { run: result.run, metrics }
}

/** Exports the best checkpoint to ONNX and asks ONNX Runtime for its input and an embedding. */
async function exportAndRun(run: string, dim: number): Promise<void> {
  const onnx = join(run, 'exports', 'model.onnx')
  const io = capture()
  expect(await main(['export', '--run', run, '--checkpoint', 'best', '--onnx', onnx, '--json'], io)).toBe(0)
  const report = JSON.parse(readFileSync(`${onnx}.validation.json`, 'utf8')) as { ok: boolean }
  expect(report.ok).toBe(true)
  const session = await ort.InferenceSession.create(onnx)
  const [input] = session.inputNames
  const output = await session.run({
    [input]: new ort.Tensor('float32', new Float32Array(2 * 3 * 112 * 112).fill(0.25), [2, 3, 112, 112])
  })
  expect(output[session.outputNames[0]].dims).toEqual([2, dim])
  // A wrong layout is refused by the graph itself.
  await expect(
    session.run({ [input]: new ort.Tensor('float32', new Float32Array(112 * 112 * 3), [1, 112, 112, 3]) })
  ).rejects.toThrow()
}

/** The best checkpoint holds the step whose validation value on `set` is the best by `metric`. */
function expectBestCheckpoint(run: string, metrics: MetricRecord[], metric: 'auc' | 'eer', set: string): void {
  const validations = metrics.filter((m) => m.kind === 'validation' && m.set === set)
  const values = validations.map((v) => v[metric] as number)
  const bestValue = metric === 'auc' ? Math.max(...values) : Math.min(...values)
  const firstBest = validations.find((v) => v[metric] === bestValue) as MetricRecord
  const best = JSON.parse(readFileSync(join(run, 'checkpoints', 'best', 'checkpoint.json'), 'utf8')) as {
    step: number
    best: { metric: string; value: number }
  }
  expect(best.best).toMatchObject({ metric, value: bestValue })
  expect(best.step).toBe(firstBest.step)
}

describe('face backbones on Python-written .rec and .bin files', () => {
  it("MobileFaceNet: validates on two .bin sets every step, keeps the best by the second set's AUC, exports ONNX [N, 3, 112, 112]", async () => {
    const sets = ['--val', join(dir, 'data', 'val.bin'), '--val', join(dir, 'data', 'val2.bin'), '--best-set', 'val2']
    const { run, metrics } = await train([
      ...sets,
      '--steps',
      '3',
      '--batch',
      '4',
      '--validate-every-steps',
      '1',
      '--best-metric',
      'auc'
    ])
    const validations = metrics.filter((m) => m.kind === 'validation')
    expect(validations.map((v) => `${v.set}@${v.step}`)).toEqual(['val@1', 'val2@1', 'val@2', 'val2@2', 'val@3', 'val2@3'])
    for (const v of validations) {
      expect(v.auc).toBeGreaterThanOrEqual(0)
      expect(v.auc).toBeLessThanOrEqual(1)
      // Only the chosen set's validations can be the best so far.
      if (v.set === 'val') expect(v.best).toBe(false)
    }
    expectBestCheckpoint(run, metrics, 'auc', 'val2')
    // The checkpoint carries both sets' figures, the other set's under its name.
    const last = JSON.parse(readFileSync(join(run, 'checkpoints', 'last', 'checkpoint.json'), 'utf8')) as {
      metrics: Record<string, number>
    }
    expect(Object.keys(last.metrics).sort()).toEqual(['auc', 'eer', 'tenFold', 'val/auc', 'val/eer', 'val/tenFold'])
    expect(last.metrics.auc).toBe(validations[5].auc)
    expect(last.metrics['val/auc']).toBe(validations[4].auc)
    // No --test: the final weights on the chosen validation set are filed as validation, never as a test.
    expect(metrics.find((m) => m.kind === 'test')).toBeUndefined()
    expect(metrics.find((m) => m.kind === 'final-validation')?.set).toBe('validation-val2')
    await exportAndRun(run, 128)
  }, 240_000)

  it('IR-18: one step of two images, validated, best by EER, exported', async () => {
    const { run, metrics } = await train([
      '--val',
      join(dir, 'data', 'val.bin'),
      '--backbone',
      'ir-18',
      '--embedding',
      '64',
      '--steps',
      '1',
      '--batch',
      '2',
      '--validate-every-steps',
      '1',
      '--best-metric',
      'eer'
    ])
    expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'))).toMatchObject({
      backbone: 'ir-18',
      inputSize: 112,
      embeddingDim: 64
    })
    expect(metrics.filter((m) => m.kind === 'validation').map((v) => v.step)).toEqual([1])
    expectBestCheckpoint(run, metrics, 'eer', 'val')
    await exportAndRun(run, 64)
  }, 300_000)
})
