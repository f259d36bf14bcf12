/**
 * The web host with its real services and a real trainer process (no mocks of the engine):
 * a short run starts, streams progress over the socket, stops with a checkpoint, resumes
 * from it, and is then evaluated, projected (PCA, UMAP) and exported (embeddings, TF.js, ONNX,
 * which validates in ONNX Runtime).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  EmbeddingProjection,
  EvaluationReport,
  OnnxExportResult,
  RunList,
  TrainingCatalog,
  TrainingState,
  TrainRecipe
} from '../../src/common/contract'
import { createWebServices } from '../../src/server/host'
import { startWebHost, type WebHost } from '../../src/server/server'
import { call, openEvents, value, type EventLog } from './server-helpers'

let dir: string
let host: WebHost
let events: EventLog

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-web-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>test</title>')
  host = await startWebHost({
    root: dir,
    services: (emit) => createWebServices(emit, { workspace: join(dir, 'workspace'), settingsFile: join(dir, 'settings.json') })
  })
  events = await openEvents(host)
})

afterAll(async () => {
  events?.close()
  await host?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('web host with the real trainer', () => {
  it('trains, stops, resumes, evaluates and exports a run', { timeout: 300_000 }, async () => {
    const catalog = await value<TrainingCatalog>(host, 'training:catalog')
    const recipe: TrainRecipe = {
      ...catalog.presets.find((p) => p.name === 'fonts-quick')!.recipe,
      steps: 8,
      batchSize: 32,
      checkpointEverySteps: 2,
      replicas: 1
    }

    const check = await value<{ problems: string[]; estimate?: { totalSteps: number | null } }>(host, 'training:validate', {
      recipe
    })
    expect(check.problems).toEqual([])
    expect(check.estimate?.totalSteps).toBe(8)
    const refused = await call(host, 'training:validate', { recipe: { ...recipe, batchSize: -4 } })
    expect(refused.status).toBe(200)
    expect((refused.body.value as { problems: string[] }).problems.join(' ')).toMatch(/batch size/)

    const started = await value<TrainingState>(host, 'training:start', { kind: 'recipe', recipe, name: 'web test' })
    expect(started.phase).toBe('running')
    const runId = started.runId
    await events.waitFor(
      (e) => e.event === 'training:event' && (e.payload as { event: { type: string; step?: number } }).event.type === 'checkpoint'
    )
    await value(host, 'training:stop', { runId })
    const finished = await events.waitFor(
      (e) =>
        e.event === 'training:event' &&
        ['finished', 'failed', 'exited'].includes((e.payload as { event: { type: string } }).event.type)
    )
    expect((finished.payload as { event: { type: string; stopped?: boolean } }).event).toMatchObject({ type: 'finished' })

    const list = await value<RunList>(host, 'runs:list')
    const run = list.runs.find((r) => r.id === runId)!
    expect(run.name).toBe('web test')
    const stoppedEarly = (finished.payload as { event: { stopped: boolean } }).event.stopped
    if (stoppedEarly) {
      expect(run.resumable).toBe(true)
      const before = events.events.length
      const resumed = await value<TrainingState>(host, 'training:resumeRun', { runId })
      expect(resumed.step).toBeGreaterThan(0)
      const end = await events.waitFor(
        (e) =>
          events.events.indexOf(e) >= before &&
          e.event === 'training:event' &&
          ['finished', 'failed', 'exited'].includes((e.payload as { event: { type: string } }).event.type)
      )
      expect((end.payload as { event: { type: string; stopped: boolean } }).event).toMatchObject({
        type: 'finished',
        stopped: false
      })
    } else {
      console.warn('[server-training] the run finished before the stop arrived: resume was not exercised this time')
    }

    const report = await value<EvaluationReport>(host, 'eval:run', { runId, pairs: { kind: 'run', set: 'validation' }, worst: 2 })
    expect(report.pairs.total).toBeGreaterThan(0)
    expect(report.auc).toBeGreaterThan(0)
    expect(report.roc.far.length).toBeGreaterThan(1)
    expect(report.histogram.genuine.reduce((a, b) => a + b, 0)).toBe(report.pairs.genuine)
    expect(report.worstFalseAccepts.length + report.worstFalseRejects.length).toBeGreaterThan(0)

    const saved = await value<EvaluationReport[]>(host, 'eval:list', { runId })
    expect(saved.map((r) => r.auc)).toContain(report.auc)

    for (const method of ['pca', 'umap'] as const) {
      const projection = await value<EmbeddingProjection>(host, 'eval:embedding', {
        runId,
        method,
        identities: 4,
        perIdentity: 6
      })
      expect(projection).toMatchObject({ method, dims: 2, embeddingDim: recipe.embeddingDim })
      expect(projection.labels).toHaveLength(24)
      expect(projection.coords).toHaveLength(48)
      expect(new Set(projection.labels).size).toBe(4)
    }

    const embeddings = await value<{ path: string; rows: number; dim: number }>(host, 'export:embeddings', {
      runId,
      format: 'csv'
    })
    expect(embeddings.dim).toBe(recipe.embeddingDim)
    expect(readFileSync(embeddings.path, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(embeddings.rows)
    const tfjs = await value<{ path: string; files: string[] }>(host, 'export:tfjs', { runId })
    expect(tfjs.files).toContain('model.json')

    const exported = await value<OnnxExportResult>(host, 'export:onnx', { runId })
    expect(exported.validation.ok).toBe(true)
    expect(existsSync(exported.path)).toBe(true)
    const outside = await call(host, 'export:onnx', { runId, target: '/tmp/elsewhere.onnx' })
    expect(outside.status).toBe(403)
  })
})
