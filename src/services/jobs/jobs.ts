/**
 * The engine work behind `eval:*`, `export:*` and `backend:probe`. Runs inside a job worker
 * thread (worker.ts); each job loads the run's weights itself and disposes them at the end.
 */
import { basename, join } from 'node:path'
import { statSync } from 'node:fs'
import type { BackendReport, EmbeddingProjection, EvaluationReport } from '../../common/contract'
import { describeAdapter, initBackend } from '../../core/backend'
import { fontPairSet, loadFontDataset } from '../../core/data'
import type { PairSet } from '../../core/data/imageSets'
import { openPairSet } from '../../core/data/open'
import { FAR_LEVELS, farKey, l2NormalizeRows, rocCurve } from '../../core/eval'
import {
  backboneFromWeights,
  describeValidation,
  exportMetadata,
  exportOnnx,
  exportTfjs,
  loadRun,
  openRunImages,
  provenanceOf,
  validationImages,
  writeEmbeddings,
  type LoadedRun
} from '../../core/export'
import { embedImages, type Backbone } from '../../core/models'
import { evaluatePairs } from '../../core/train/evaluate'
import { writeJsonAtomic } from '../../core/util/atomicWrite'
import { sourceImageDataUrl } from '../images'
import { pca, umap2d } from './projection'
import { figure1Job } from './studyJob'
import { throughputJob } from './throughputJob'
import { alignFacesJob } from './alignFacesJob'
import type { EngineJobKind, JobInputs, JobOutputs, Progress } from './protocol'
import { median } from '../../core/util/stats'

const ROC_POINTS = 1000
const HISTOGRAM_BINS = 50

async function withRun<T>(
  runDir: string,
  checkpoint: string | undefined,
  work: (run: LoadedRun, backbone: Backbone) => Promise<T>
): Promise<T> {
  const run = loadRun(runDir, checkpoint)
  await initBackend({})
  const backbone = backboneFromWeights(run.spec, run.weights.tensors)
  try {
    return await work(run, backbone)
  } finally {
    backbone.dispose()
  }
}

async function pairSetFor(run: LoadedRun, input: JobInputs['evaluate']): Promise<PairSet> {
  const [size, , channels] = run.spec.input
  const ch = channels === 1 ? 1 : 3
  if (input.pairs.kind === 'file') return openPairSet(input.pairs.path, { inputSize: size, channels: ch })
  const set = input.pairs.set
  if (run.recipe.dataset === 'fonts' || run.recipe.dataset === 'fonts-chars')
    return fontPairSet(await loadFontDataset(), set === 'validation' ? 'val' : 'test')
  const data = run.recipe.raw.data as { val?: string; test?: string } | undefined
  const path = set === 'validation' ? data?.val : data?.test
  if (path) return openPairSet(path, { inputSize: size, channels: ch })
  const why = set === 'test' ? ' (it was trained without held-out test pairs, --test)' : ''
  throw new Error(`run ${run.runId} has no ${set} pairs of its own${why}: choose a pair file (.bin, pairs.txt or pairs .csv)`)
}

/** Keeps at most `max` ROC points, evenly spaced in log FAR, dropping FAR = 0 (no place on a log axis). */
function thinRoc(fpr: Float64Array, tpr: Float64Array, thresholds: Float64Array, max: number): EvaluationReport['roc'] {
  const out: EvaluationReport['roc'] = { far: [], tar: [], threshold: [] }
  let lastLog = -Infinity
  const minFar = fpr.find((v) => v > 0) ?? 1
  const step = (0 - Math.log10(minFar)) / max
  for (let i = 0; i < fpr.length; i++) {
    if (fpr[i] <= 0 || !Number.isFinite(thresholds[i])) continue
    const log = Math.log10(fpr[i])
    if (log - lastLog < step && i !== fpr.length - 1) continue
    lastLog = log
    out.far.push(fpr[i])
    out.tar.push(tpr[i])
    out.threshold.push(thresholds[i])
  }
  return out
}

function histogram(scores: Float64Array, labels: Uint8Array): EvaluationReport['histogram'] {
  let lo = Infinity
  let hi = -Infinity
  for (const s of scores) {
    lo = Math.min(lo, s)
    hi = Math.max(hi, s)
  }
  if (!(hi > lo)) hi = lo + 1e-6
  const width = (hi - lo) / HISTOGRAM_BINS
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => lo + i * width)
  const genuine = new Array<number>(HISTOGRAM_BINS).fill(0)
  const impostor = new Array<number>(HISTOGRAM_BINS).fill(0)
  scores.forEach((s, i) => {
    const bin = Math.min(HISTOGRAM_BINS - 1, Math.floor((s - lo) / width))
    ;(labels[i] ? genuine : impostor)[bin]++
  })
  return { edges, genuine, impostor }
}

/** The score above which a fraction `far` of impostor pairs lie (null when there are too few). */
function thresholdAtFar(impostorDesc: Float64Array, far: number): number | null {
  const k = Math.floor(far * impostorDesc.length)
  return k >= 1 && k <= impostorDesc.length ? impostorDesc[k - 1] : null
}

/** Rank-1 and CMC of a closed-set search: gallery = first image of each identity, probes = the rest. */
function identification(
  embeddings: Float32Array,
  dim: number,
  labels: Int32Array,
  ranks = 10
): EvaluationReport['identification'] | undefined {
  const galleryRow = new Map<number, number>()
  const probes: number[] = []
  labels.forEach((label, i) => (galleryRow.has(label) ? probes.push(i) : galleryRow.set(label, i)))
  if (probes.length === 0 || galleryRow.size < 2) return undefined
  const galleryLabels = [...galleryRow.keys()]
  const gallery = new Float32Array(galleryLabels.length * dim)
  galleryLabels.forEach((label, g) =>
    gallery.set(embeddings.subarray(galleryRow.get(label)! * dim, (galleryRow.get(label)! + 1) * dim), g * dim)
  )
  const unitGallery = l2NormalizeRows(gallery, dim)
  const unit = l2NormalizeRows(embeddings, dim)
  const maxRank = Math.min(ranks, galleryLabels.length)
  const hits = new Array<number>(maxRank).fill(0)
  const scores = new Float64Array(galleryLabels.length)
  for (const p of probes) {
    for (let g = 0; g < galleryLabels.length; g++) {
      let dot = 0
      for (let j = 0; j < dim; j++) dot += unit[p * dim + j] * unitGallery[g * dim + j]
      scores[g] = dot
    }
    const own = scores[galleryLabels.indexOf(labels[p])]
    let rank = 0
    for (const s of scores) if (s > own) rank++
    for (let r = rank; r < maxRank; r++) hits[r]++
  }
  const cmc = hits.map((h) => h / probes.length)
  return { rank1: cmc[0], cmc, gallery: galleryLabels.length, probes: probes.length }
}

async function evaluate(input: JobInputs['evaluate'], progress: Progress): Promise<EvaluationReport> {
  return withRun(input.runDir, input.checkpoint, async (run, backbone) => {
    progress(0.05, 'Loading the pairs')
    const set = await pairSetFor(run, input)
    progress(0.15, `Embedding ${set.images.count} images of ${set.name}`)
    const plain = await evaluatePairs(backbone, set, { flip: false })
    const flipped = input.flip
      ? (progress(0.55, 'Embedding the mirrored images'), await evaluatePairs(backbone, set, { flip: true }))
      : undefined
    progress(0.8, 'Computing the metrics')
    const r = plain.report
    const curve = rocCurve(plain.labels, plain.scores)
    const impostorDesc = Float64Array.from(plain.scores.filter((_, i) => plain.labels[i] === 0))
      .sort()
      .reverse()
    const tarAtFar = FAR_LEVELS.map((far) => ({
      far,
      tar: Number.isFinite(r.tarAtFar[farKey(far)]) ? r.tarAtFar[farKey(far)] : null,
      threshold: thresholdAtFar(impostorDesc, far),
      reliable: !r.unreliableFar.includes(farKey(far))
    }))
    const at1e3 = tarAtFar.find((t) => t.far === 1e-3)
    const threshold = at1e3?.reliable && at1e3.threshold !== null ? at1e3.threshold : r.eerThreshold
    const order = Array.from(plain.scores.keys())
    const falseAccepts = order
      .filter((i) => !set.pairs[i].same && plain.scores[i] >= threshold)
      .sort((a, b) => plain.scores[b] - plain.scores[a])
    const falseRejects = order
      .filter((i) => set.pairs[i].same && plain.scores[i] < threshold)
      .sort((a, b) => plain.scores[a] - plain.scores[b])
    const example = async (i: number): Promise<EvaluationReport['worstFalseAccepts'][number]> => ({
      index: i,
      score: plain.scores[i],
      same: set.pairs[i].same,
      a: { label: `image ${set.pairs[i].a}`, dataUrl: await sourceImageDataUrl(set.images, set.pairs[i].a) },
      b: { label: `image ${set.pairs[i].b}`, dataUrl: await sourceImageDataUrl(set.images, set.pairs[i].b) }
    })
    let ident: EvaluationReport['identification']
    if (input.pairs.kind === 'run' && (run.recipe.dataset === 'fonts' || run.recipe.dataset === 'fonts-chars')) {
      progress(0.9, 'Identification (rank-1, CMC)')
      const images = await openRunImages(run.recipe, run.spec.input, {
        split: input.pairs.set === 'validation' ? 'val' : 'test',
        limit: 1000
      })
      const emb = await embedImages(backbone, images.source, images.indices, { batchSize: 128 })
      ident = identification(emb, backbone.embeddingDim, images.labels)
    }
    const report: EvaluationReport = {
      runId: run.runId,
      set: set.name,
      checkpoint: run.checkpoint.label,
      computedAt: new Date().toISOString(),
      pairs: { total: r.pairs, genuine: r.genuine, impostor: r.impostor },
      auc: r.auc,
      eer: r.eer,
      eerThreshold: r.eerThreshold,
      tarAtFar,
      tenFold: { accuracy: r.tenFold.mean, std: r.tenFold.std, threshold: finiteMedian(r.tenFold.thresholds) },
      ...(flipped
        ? {
            tenFoldFlip: {
              accuracy: flipped.report.tenFold.mean,
              std: flipped.report.tenFold.std,
              threshold: finiteMedian(flipped.report.tenFold.thresholds)
            },
            aucFlip: flipped.report.auc
          }
        : {}),
      roc: thinRoc(curve.fpr, curve.tpr, curve.thresholds, ROC_POINTS),
      histogram: histogram(plain.scores, plain.labels),
      threshold,
      worstFalseAccepts: await Promise.all(falseAccepts.slice(0, input.worst).map(example)),
      worstFalseRejects: await Promise.all(falseRejects.slice(0, input.worst).map(example)),
      ...(ident ? { identification: ident } : {})
    }
    const name = `${(input.pairs.kind === 'run' ? input.pairs.set : basename(input.pairs.path)).replace(/[^\w.-]+/g, '_')}-${run.checkpoint.label}.json`
    writeJsonAtomic(join(input.runDir, 'eval', name), report)
    return report
  })
}

/** Median of the finite values, 0 when there are none. */
function finiteMedian(values: number[]): number {
  const finite = values.filter(Number.isFinite)
  return finite.length ? median(finite) : 0
}

async function embedding(input: JobInputs['embedding'], progress: Progress): Promise<EmbeddingProjection> {
  return withRun(input.runDir, input.checkpoint, async (run, backbone) => {
    const images = await openRunImages(run.recipe, run.spec.input, { split: 'test', limit: 5000 })
    const wantIdentities = input.identities ?? 10
    const perIdentity = input.perIdentity ?? 20
    const byLabel = new Map<number, number[]>()
    images.labels.forEach((label, i) => byLabel.set(label, [...(byLabel.get(label) ?? []), images.indices[i]]))
    const chosen = [...byLabel.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]).slice(0, wantIdentities)
    const indices = chosen.flatMap(([, rows]) => rows.slice(0, perIdentity))
    const labels = chosen.flatMap(([, rows], k) => rows.slice(0, perIdentity).map(() => k))
    progress(0.2, `Embedding ${indices.length} images`)
    const dim = backbone.embeddingDim
    const emb = l2NormalizeRows(await embedImages(backbone, images.source, indices, { batchSize: 128 }), dim)
    const method = input.method && input.method !== 'auto' ? input.method : dim === 3 ? 'sphere' : 'pca'
    const identities = chosen.map(([label]) => images.classNames[label] ?? String(label))
    if (method === 'sphere') {
      if (dim !== 3) throw new Error(`the sphere view needs a 3-D embedding; this run's has ${dim} dimensions (use PCA or UMAP)`)
      return { runId: run.runId, method, dims: 3, embeddingDim: dim, coords: Array.from(emb), labels, identities }
    }
    progress(0.6, method === 'umap' ? 'UMAP projection' : 'PCA projection')
    if (method === 'umap') {
      const coords = umap2d(emb, dim, (f) => progress(0.6 + 0.4 * f))
      return { runId: run.runId, method, dims: 2, embeddingDim: dim, coords: Array.from(coords), labels, identities }
    }
    const { coords, explained } = pca(emb, dim, 2)
    return {
      runId: run.runId,
      method: 'pca',
      dims: 2,
      embeddingDim: dim,
      coords: Array.from(coords),
      labels,
      identities,
      explained
    }
  })
}

async function exportOnnxJob(input: JobInputs['export-onnx'], progress: Progress): Promise<JobOutputs['export-onnx']> {
  return withRun(input.runDir, input.checkpoint, async (run, backbone) => {
    progress(0.1, 'Writing the ONNX file')
    const real = await validationImages(run.recipe, run.spec.input)
    progress(0.3, 'Validating in ONNX Runtime')
    const result = await exportOnnx({
      file: input.file,
      spec: run.spec,
      weights: run.weights.tensors,
      backbone,
      provenance: provenanceOf(run),
      normalize: input.normalize,
      real
    })
    const v = result.report
    return {
      path: result.file,
      sizeBytes: v.sizeBytes,
      validation: {
        ok: v.ok,
        checks: v.checks,
        comparisons: v.comparisons,
        ...(v.inferenceMsBatch32 !== undefined ? { inferenceMsBatch32: v.inferenceMsBatch32 } : {}),
        realImages: v.realImages,
        onnxruntime: v.onnxruntime,
        summary: result.summary || describeValidation(v)
      }
    }
  })
}

async function exportTfjsJob(input: JobInputs['export-tfjs'], progress: Progress): Promise<JobOutputs['export-tfjs']> {
  return withRun(input.runDir, input.checkpoint, async (run, backbone) => {
    progress(0.2, 'Writing the TF.js model')
    const real = await validationImages(run.recipe, run.spec.input)
    const metadata = exportMetadata(run.spec, backbone.embeddingDim, provenanceOf(run), false)
    const result = await exportTfjs({
      dir: input.dir,
      spec: run.spec,
      weights: run.weights.tensors,
      backbone,
      real,
      metadata: { ...metadata, input_layout: 'NHWC' }
    })
    if (!result.ok) throw new Error(`the TF.js export does not reproduce the app's embeddings (see ${result.reportFile})`)
    const sizeBytes = result.files.reduce((sum, f) => sum + statSync(join(input.dir, basename(f))).size, 0)
    return { path: result.dir, files: result.files.map((f) => basename(f)), sizeBytes }
  })
}

async function exportEmbeddingsJob(
  input: JobInputs['export-embeddings'],
  progress: Progress
): Promise<JobOutputs['export-embeddings']> {
  return withRun(input.runDir, input.checkpoint, async (run, backbone) => {
    const images = await openRunImages(run.recipe, run.spec.input, {
      split: input.images === 'training' ? 'train' : 'val',
      limit: 20_000
    })
    progress(0.2, `Embedding ${images.indices.length} images`)
    const emb = await embedImages(backbone, images.source, images.indices, { batchSize: 128 })
    const written = writeEmbeddings(input.file, emb, backbone.embeddingDim, images.labels, images.classNames)
    const labelsPath = written.files.find((f) => f.endsWith('.labels.npy'))
    return {
      path: written.files[0],
      ...(labelsPath ? { labelsPath } : {}),
      rows: images.indices.length,
      dim: backbone.embeddingDim
    }
  })
}

async function probe(): Promise<BackendReport> {
  const report = await initBackend({})
  const choice = report.choice === 'node' || report.choice === 'node-gpu' ? 'tensorflow' : report.choice
  return {
    status: 'probed',
    choice,
    ...(report.adapter ? { adapter: describeAdapter(report.adapter) } : {}),
    reason: report.reason || `${report.tfBackend} backend`,
    rejected: report.rejected.map((r) => ({ candidate: r.choice, reason: r.reason || 'unavailable' }))
  }
}

export async function runJob<K extends EngineJobKind>(kind: K, input: JobInputs[K], progress: Progress): Promise<JobOutputs[K]> {
  const jobs: { [J in EngineJobKind]: (input: JobInputs[J], progress: Progress) => Promise<JobOutputs[J]> } = {
    probe,
    evaluate,
    embedding,
    'export-onnx': exportOnnxJob,
    'export-tfjs': exportTfjsJob,
    'export-embeddings': exportEmbeddingsJob,
    'study-figure1': figure1Job,
    'measure-throughput': throughputJob,
    'align-faces': alignFacesJob
  }
  return (jobs[kind] as (input: JobInputs[K], progress: Progress) => Promise<JobOutputs[K]>)(input, progress)
}
