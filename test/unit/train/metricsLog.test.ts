// metrics.jsonl: rows are the event payloads (kind + TrainingProgress, kind + validation), read
// back with the same schema; rows written before this schema existed still read. Run folders are
// created under the id their host chose, and an id in use is refused.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { PROGRESS_METRICS, type TrainerProcessEvent } from '../../../src/common/trainer'
import { progressPayload } from '../../helpers/progress'
import { presetConfig } from '../../../src/core/train/presets'
import { runSession } from '../../../src/core/train/session'
import { readMetrics, unusedRunId } from '../../../src/core/train/runs'
import { createRunFolder } from '../../../src/core/train/runStore'
import { metricsHistory } from '../../../src/services/runs'

const root = mkdtempSync(join(tmpdir(), 'dsoftmax-metrics-log-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('metrics.jsonl', () => {
  it('reads rows in the format runs were written before (NaN as null, sparse and extra fields, a torn line)', () => {
    const dir = join(root, 'old-run')
    mkdirSync(dir)
    // Verbatim lines as the trainer appended them (JSON.stringify writes NaN and Infinity as null).
    const lines = [
      '{"kind":"started","type":"started","totalSteps":20,"stepsPerEpoch":10,"examples":640,"classes":20,"parameters":99,"macsPerImage":7,"replicas":1,"startStep":0}',
      '{"kind":"train","epoch":1,"step":10,"totalSteps":20,"loss":3.5,"intra":2,"inter":1.5,"lr":0.1,"imagesPerSecond":120.5,"etaSeconds":5}',
      '{"kind":"validation","step":10,"epoch":1,"set":"val","auc":0.8,"eer":0.2,"tenFold":0.75,"metric":"auc","value":0.8,"best":true}',
      '{"kind":"train","epoch":2,"step":20,"totalSteps":20,"loss":null,"intra":null,"inter":1.25,"lr":0.05,"imagesPerSecond":null,"etaSeconds":null,"gradNorm":3}',
      // An even older row without the speed fields.
      '{"kind":"train","step":30,"loss":1}',
      '{"kind":"test","set":"test-test","auc":0.7,"eer":0.3,"tenFold":0.65}',
      '{"kind":"final-validation","set":"validation-val","auc":0.6,"eer":0.4,"tenFold":0.55}',
      '{"kind":"train","step":"forty"}',
      '{"kind":"train","st'
    ]
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n'))
    const rows = readMetrics(dir)
    // The torn line and the row with a text step are skipped; the unknown field is dropped.
    expect(rows.map((r) => r.kind)).toEqual(['started', 'train', 'validation', 'train', 'train', 'test', 'final-validation'])
    expect(rows[3]).toEqual({
      kind: 'train',
      epoch: 2,
      step: 20,
      totalSteps: 20,
      loss: null,
      intra: null,
      inter: 1.25,
      lr: 0.05,
      imagesPerSecond: null,
      etaSeconds: null
    })
    const history = metricsHistory(rows)
    // Metrics added since these rows were written read as null.
    expect(history.train).toMatchObject({
      step: [10, 20, 30],
      epoch: [1, 2, 0],
      loss: [3.5, null, 1],
      intra: [2, null, null],
      inter: [1.5, 1.25, null],
      lr: [0.1, 0.05, null],
      imagesPerSecond: [120.5, null, null]
    })
    expect(Object.keys(history.train).sort()).toEqual(['epoch', 'step', ...PROGRESS_METRICS].sort())
    for (const key of PROGRESS_METRICS.filter((k) => !['loss', 'intra', 'inter', 'lr', 'imagesPerSecond'].includes(k)))
      expect(history.train[key], key).toEqual([null, null, null])
    expect(history.validation).toEqual({ step: [10], epoch: [1], auc: [0.8], eer: [0.2], tenFold: [0.75] })
    expect(history.test).toEqual({ set: 'test-test', auc: 0.7, eer: 0.3, tenFold: 0.65 })
  })

  it('appends a progress payload as one train row that reads back equal', () => {
    const run = createRunFolder(join(root, 'ws-append'), 'append-run')
    const progress = progressPayload({
      step: 10,
      epoch: 1,
      totalSteps: 20,
      etaSeconds: 4,
      loss: 2,
      intra: 1,
      inter: 1,
      lr: 0.1,
      imagesPerSecond: 50
    })
    run.appendMetrics({ kind: 'train', ...progress })
    expect(readFileSync(join(run.dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1)
    expect(readMetrics(run.dir)).toEqual([{ kind: 'train', ...progress }])
  })
})

describe('run ids chosen by the host', () => {
  it('refuses to create a run folder whose id exists, leaving the existing run alone', () => {
    const ws = join(root, 'ws-ids')
    const first = createRunFolder(ws, 'twice')
    writeFileSync(join(first.dir, 'config.json'), '{"kept":true}')
    expect(() => createRunFolder(ws, 'twice')).toThrow(/run "twice" already exists in .*runs; a new run needs an id of its own/)
    expect(readFileSync(join(first.dir, 'config.json'), 'utf8')).toBe('{"kept":true}')
  })

  it('a trainer told to start a run under an existing id fails saying so, before any work', async () => {
    const ws = join(root, 'ws-session')
    createRunFolder(ws, 'taken')
    const events: TrainerProcessEvent[] = []
    await runSession(
      { workspace: ws, runId: 'taken', config: presetConfig('fonts-quick'), backend: 'cpu' },
      (e) => events.push(e),
      { shouldStop: () => false, gate: () => undefined }
    )
    expect(events).toEqual([
      {
        type: 'failed',
        message: expect.stringMatching(/^run "taken" already exists in .*; a new run needs an id of its own$/),
        step: 0
      }
    ])
    expect(readdirSync(join(ws, 'runs', 'taken')).sort()).toEqual(['checkpoints', 'eval', 'exports'])
  })

  it('picks an unused id: the folder or a start in flight takes it, a suffix frees it', () => {
    const ws = join(root, 'ws-unused')
    vi.useFakeTimers({ now: new Date('2026-02-03T04:05:06Z'), toFake: ['Date'] })
    try {
      const id = unusedRunId(ws, 'fonts-quick', 'dsoftmax')
      expect(id).toBe('20260203-040506-fonts-quick-dsoftmax')
      createRunFolder(ws, id)
      expect(unusedRunId(ws, 'fonts-quick', 'dsoftmax')).toBe(`${id}-2`)
      expect(unusedRunId(ws, 'fonts-quick', 'dsoftmax', (candidate) => candidate === `${id}-2`)).toBe(`${id}-3`)
    } finally {
      vi.useRealTimers()
    }
  })
})
