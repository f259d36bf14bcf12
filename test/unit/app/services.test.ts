/**
 * The host-neutral services with a real workspace on disk: runs read back from their files,
 * datasets inspected with their problems, export targets kept inside the run, recipe checks
 * and estimates, and the PCA projection against NumPy.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REQUEST_SCHEMAS, type EventChannel, type TrainRecipe } from '../../../src/common/contract'
import { specCost } from '../../../src/core/models/plan'
import { backboneSpec } from '../../../src/core/models/architectures'
import { PRESETS } from '../../../src/core/train/presets'
import { checkRecipe, estimateRecipe } from '../../../src/services/estimate'
import type { Services } from '../../../src/services/index'
import { createTestServices } from './testServices'
import { trainSeries } from '../../helpers/progress'
import { pca } from '../../../src/services/jobs/projection'
import { filesValidationAsTest, metricsHistory } from '../../../src/services/runs'

let dir: string
let services: Services
const emitted: { event: EventChannel; payload: unknown }[] = []

function writeRun(id: string, status = 'stopped'): string {
  const run = join(dir, 'workspace', 'runs', id)
  mkdirSync(join(run, 'checkpoints', 'step-00000004'), { recursive: true })
  mkdirSync(join(run, 'checkpoints', 'last'))
  writeFileSync(join(run, 'config.json'), JSON.stringify({ ...PRESETS['fonts-quick'], steps: 8, runId: id }))
  writeFileSync(
    join(run, 'run.json'),
    JSON.stringify({
      id,
      name: id,
      tags: [],
      status,
      step: 4,
      totalSteps: 8,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z'
    })
  )
  const lines = [
    { kind: 'train', step: 2, epoch: 0.1, loss: 5, intra: 1, inter: 4, lr: 0.1, imagesPerSecond: 30 },
    { kind: 'train', step: 4, epoch: 0.2, loss: 'NaN', intra: 1, inter: 3, lr: 0.1, imagesPerSecond: 31 },
    { kind: 'validation', step: 4, epoch: 0.2, set: 'val', auc: 0.8, eer: 0.2, tenFold: 0.78 },
    { kind: 'test', set: 'test', auc: 0.81, eer: 0.19, tenFold: 0.8 }
  ]
  writeFileSync(join(run, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"kind":"tra')
  writeFileSync(join(run, 'log.txt'), 'line 1\nline 2\n')
  return run
}

async function png(file: string, value: number): Promise<void> {
  await sharp(Buffer.alloc(16 * 16 * 3, value), { raw: { width: 16, height: 16, channels: 3 } })
    .png()
    .toFile(file)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-services-'))
  services = createTestServices({ settingsFile: join(dir, 'settings.json'), defaultWorkspace: join(dir, 'workspace'), emitted })
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const h = () => services.handlers

describe('runs', () => {
  it('reads a run back: summary, column-wise metrics (torn line skipped, NaN as null), checkpoints, log', () => {
    writeRun('run-a')
    const list = h()['runs:list'](undefined) as ReturnType<Services['handlers']['runs:list']> & {
      runs: { id: string; resumable: boolean; bestValAuc: number | null }[]
    }
    expect(list.runs.map((r) => r.id)).toEqual(['run-a'])
    expect(list.runs[0]).toMatchObject({ resumable: true, bestValAuc: 0.8, testAuc: 0.81 })
    const detail = h()['runs:get']({ id: 'run-a' }) as {
      metrics: unknown
      checkpoints: { name: string; step: number | null }[]
      log: string[]
    }
    expect(detail.metrics).toEqual({
      // Columns the rows did not write (metrics added since) read as nulls.
      train: trainSeries([2, 4], [0.1, 0.2], {
        loss: [5, null],
        intra: [1, 1],
        inter: [4, 3],
        lr: [0.1, 0.1],
        imagesPerSecond: [30, 31]
      }),
      validation: { step: [4], epoch: [0.2], auc: [0.8], eer: [0.2], tenFold: [0.78] },
      test: { set: 'test', auc: 0.81, eer: 0.19, tenFold: 0.8 }
    })
    expect(detail.checkpoints).toEqual([
      { name: 'last', step: null, best: false },
      { name: 'step-00000004', step: 4, best: false }
    ])
    expect(detail.log).toEqual(['line 1', 'line 2'])
    expect(REQUEST_SCHEMAS['runs:get'].response.safeParse(detail).success).toBe(true)
  })

  it('renames, tags, compares and deletes, announcing each change', () => {
    writeRun('run-b')
    expect(h()['runs:rename']({ id: 'run-b', name: 'baseline' })).toMatchObject({ name: 'baseline' })
    expect(h()['runs:tag']({ id: 'run-b', add: ['paper', 'fig1'] })).toMatchObject({ tags: ['paper', 'fig1'] })
    const comparison = h()['runs:compare']({ ids: ['run-a', 'run-b'] }) as {
      differences: string[]
      runs: { results: Record<string, number | null> }[]
    }
    expect(comparison.differences).toEqual([])
    expect(comparison.runs[0].results['val AUC (best)']).toBe(0.8)
    expect(h()['runs:delete']({ id: 'run-b' })).toEqual({ id: 'run-b' })
    expect(() => h()['runs:get']({ id: 'run-b' })).toThrow(/no run "run-b"/)
    expect(emitted.filter((e) => e.event === 'runs:changed').map((e) => (e.payload as { reason: string }).reason)).toEqual([
      'renamed',
      'tagged',
      'deleted'
    ])
  })

  it('keeps exports inside the run folder unless a save dialog chose the place', async () => {
    const run = writeRun('run-c')
    await expect(
      Promise.resolve().then(() => h()['export:onnx']({ runId: 'run-c', target: join(dir, 'elsewhere.onnx') }))
    ).rejects.toMatchObject({ code: 'forbidden' })
    await expect(
      Promise.resolve().then(() =>
        h()['export:onnx']({ runId: 'run-c', target: join(run, 'exports', '..', '..', 'run-a', 'x.onnx') })
      )
    ).rejects.toMatchObject({ code: 'forbidden' })
    // Inside the run: accepted (the job runner of this test then refuses to run it).
    await expect(
      Promise.resolve().then(() => h()['export:onnx']({ runId: 'run-c', target: join(run, 'exports', 'm.onnx') }))
    ).rejects.toThrow(/no jobs in this test/)
    // A run without any checkpoint says so before any work starts.
    rmSync(join(run, 'checkpoints'), { recursive: true })
    await expect(
      Promise.resolve().then(() => h()['eval:run']({ runId: 'run-c', pairs: { kind: 'run', set: 'test' } }))
    ).rejects.toThrow(/no checkpoint yet/)
    expect(metricsHistory([]).test).toBeNull()
    // An own-data run without held-out pairs has no test figures: an older run's "test" record was its validation pairs.
    const legacy = [{ kind: 'test', set: 'lfw', auc: 0.9, eer: 0.1, tenFold: 0.88 }]
    expect(metricsHistory(legacy).test?.auc).toBe(0.9)
    expect(filesValidationAsTest({ dataset: 'files', data: { train: '/d', val: '/lfw.bin' } })).toBe(true)
    expect(filesValidationAsTest({ dataset: 'files', data: { train: '/d', val: '/lfw.bin', test: '/agedb.bin' } })).toBe(false)
    expect(filesValidationAsTest({ dataset: 'fonts' })).toBe(false)
    expect(metricsHistory(legacy, { noTest: true }).test).toBeNull()
  })
})

describe('datasets', () => {
  it('inspects an identity folder: counts, histogram, thumbnails, and its problems with paths', async () => {
    const data = join(dir, 'faces')
    for (const [name, count] of [
      ['alice', 3],
      ['bob', 2],
      ['carol', 1]
    ] as const) {
      mkdirSync(join(data, name), { recursive: true })
      for (let i = 0; i < count; i++) await png(join(data, name, `${i}.png`), 40 * i + name.length * 10)
    }
    mkdirSync(join(data, 'empty'))
    writeFileSync(join(data, 'bob', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]))
    const report = (await h()['datasets:inspect']({ path: data })) as {
      identities: number
      images: number
      problemCount: number
      thumbnails: { dataUrl: string }[]
      problems: { unreadable: { path: string }[]; singleImageIdentities: string[]; emptyIdentities: string[] }
    }
    expect(report.identities).toBe(3)
    expect(report.images).toBe(6)
    expect(report.problems.unreadable.map((p) => p.path)).toEqual([join(data, 'bob', 'broken.jpg')])
    expect(report.problems.singleImageIdentities).toEqual(['carol'])
    expect(report.problems.emptyIdentities).toEqual(['empty'])
    expect(report.problemCount).toBeGreaterThanOrEqual(3)
    expect(report.thumbnails.length).toBe(3)
    expect(report.thumbnails[0].dataUrl).toMatch(/^data:image\/png;base64,/)
    expect(REQUEST_SCHEMAS['datasets:inspect'].response.safeParse(report).success).toBe(true)

    const added = (await h()['datasets:add']({ path: data, name: 'my faces' })) as { entry: { id: string; name: string } }
    const list = (await h()['datasets:list'](undefined)) as { id: string; bundled: boolean }[]
    expect(list[0].bundled).toBe(true)
    expect(list.map((d) => d.id)).toContain(added.entry.id)
    expect((await h()['datasets:remove']({ id: added.entry.id })) as unknown[]).toHaveLength(1)
  })

  it('says plainly when the path does not exist', async () => {
    await expect(h()['datasets:inspect']({ path: join(dir, 'nowhere') })).rejects.toThrow(/no such file or folder/)
  })
})

describe('recipes', () => {
  const fonts = structuredClone(PRESETS.fonts) as unknown as TrainRecipe

  it('estimates from the backbone spec: parameters and MACs equal the plan, time from the measured rate', () => {
    const estimate = estimateRecipe(fonts, { examples: 64_000, classes: 1000 })
    const cost = specCost(backboneSpec('glyph-cnn', { embeddingDim: 128, inputSize: 32, channels: 1 }))
    expect(estimate.parameters).toBe(cost.parameters)
    expect(estimate.macsPerImage).toBe(cost.macs)
    expect(estimate.stepsPerEpoch).toBe(500)
    expect(estimate.totalSteps).toBe(750)
    expect(estimate.secondsPerEpoch).toBeCloseTo((64_000 * cost.macs) / (33 * 45e6), 6)
    expect(estimate.memoryBytes).toBeGreaterThan(200 * 2 ** 20 + 4 * 3 * 1000 * 128)
  })

  it('refuses invalid values with a reason', () => {
    expect(checkRecipe(fonts, null).problems).toEqual([])
    const bad = checkRecipe({ ...fonts, batchSize: 0, backbone: 'ir-18', lossParams: { s: 30, d: 1.5 } }, null).problems.join(
      '\n'
    )
    expect(bad).toMatch(/batch size/)
    expect(bad).toMatch(/ir-18 takes colour images/)
    expect(bad).toMatch(/\bd\b/)
  })
})

describe('PCA projection', () => {
  it('matches NumPy (up to the sign of each axis) and reports the explained variance', () => {
    const n = 40
    const dim = 5
    const rows = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i * 1.3) * (1 + (i % dim)) + Math.cos(i * 0.7))
    const { coords, explained } = pca(rows, dim, 2)
    const script = `
import json, sys, numpy as np
x = np.array(json.load(sys.stdin), dtype=np.float64).reshape(${n}, ${dim})
x = x - x.mean(0)
w, v = np.linalg.eigh(np.cov(x, rowvar=False))
order = np.argsort(w)[::-1][:2]
print(json.dumps({"coords": (x @ v[:, order]).ravel().tolist(), "explained": (w[order] / w.sum()).tolist()}))`
    const expected = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(Array.from(rows)) }).toString()
    ) as { coords: number[]; explained: number[] }
    for (let c = 0; c < 2; c++) {
      const sign = Math.sign(coords[c]) === Math.sign(expected.coords[c]) ? 1 : -1
      for (let i = 0; i < n; i++) expect(coords[i * 2 + c]).toBeCloseTo(sign * expected.coords[i * 2 + c], 4)
      expect(explained[c]).toBeCloseTo(expected.explained[c], 5)
    }
  })
})
