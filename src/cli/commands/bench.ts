// `bench train`: training throughput per available backend, for the demo preset and for a
// fixed reference model, single-threaded and data-parallel, with a per-kernel breakdown of
// where one step's time goes.
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tf } from '../../core/tf'
import { BACKEND_CHOICES, adapterName, initBackend, type BackendChoice, type BackendInitReport } from '../../core/backend'
import type { LossName } from '../../core/losses'
import { backboneSpec, type BackboneSpec } from '../../core/models'
import { Replica, defaultReplicaCount, presetConfig, trainModel, type TrainConfig } from '../../core/train'
import type { LabelledImageSet } from '../../core/data'
import { createRng } from '../../core/util/rng'
import { UsageError, type CliIo } from '../io'
import { benchEval } from './benchEval'
import { benchAlign } from './benchAlign'
import { benchData, loaderThroughput } from './benchData'
import { benchHead } from './benchHead'
import { runSuite } from './benchSuite'
import { median } from '../../core/util/stats'

interface BenchCase {
  /** Short name for --models. */
  id: string
  name: string
  spec: BackboneSpec
  classes: number
  batchSize: number
  loss: LossName
}

export interface TrainBenchResult {
  backend: BackendChoice
  /** The backend as a row names it: on webgpu, the adapter; a software adapter says it emulates a GPU. */
  device: string
  model: string
  replicas: number
  batchSize: number
  medianStepMs: number
  imagesPerSecond: number
  /** Training multiply-accumulates per second, counting backward as twice the forward pass. */
  effectiveGmacPerSecond: number
}

function benchCases(): BenchCase[] {
  const demo = presetConfig('fonts')
  const faces = presetConfig('faces-mobilefacenet')
  return [
    {
      id: 'demo',
      name: `demo preset (${demo.backbone}, ${demo.inputSize}×${demo.inputSize}×1, batch ${demo.batchSize}, ${demo.loss} over 1303 classes)`,
      spec: backboneSpec(demo.backbone, { embeddingDim: demo.embeddingDim, inputSize: demo.inputSize, channels: 1 }),
      classes: 1303,
      batchSize: demo.batchSize,
      loss: demo.loss
    },
    {
      id: 'reference',
      name: 'reference model (64×64×3, 7 conv blocks, 128-D, cosine head over 1000 classes, batch 64)',
      spec: backboneSpec('reference-net', { embeddingDim: 128 }),
      classes: 1000,
      batchSize: 64,
      loss: 'normface'
    },
    {
      id: 'mobilefacenet',
      name: `MobileFaceNet (faces preset: 112×112×3, ${faces.embeddingDim}-D, ${faces.loss} over 10000 classes, batch ${faces.batchSize})`,
      spec: backboneSpec('mobilefacenet', { embeddingDim: faces.embeddingDim, inputSize: 112, channels: 3 }),
      classes: 10_000,
      batchSize: faces.batchSize,
      loss: faces.loss
    }
  ]
}

/** How a row names its backend: webgpu rows by their adapter, software adapters as CPU emulation. */
export function deviceLabel(report: BackendInitReport): string {
  if (!report.adapter) return report.choice
  return `webgpu on ${adapterName(report.adapter)}${report.adapter.fallback ? ' — CPU emulation, not a GPU figure' : ''}`
}

/** Random images with random labels: throughput does not depend on the pixels. */
function randomImages(bench: BenchCase, count: number): LabelledImageSet {
  const [h, w, c] = bench.spec.input
  const rng = createRng(7)
  const pixels = Float32Array.from({ length: count * h * w * c }, () => rng.next() * 2 - 1)
  return {
    shape: [h, w, c],
    count,
    classes: bench.classes,
    labels: Int32Array.from({ length: count }, () => rng.int(bench.classes)),
    classNames: [],
    write: (index, out, offset) => out.set(pixels.subarray(index * h * w * c, (index + 1) * h * w * c), offset)
  }
}

function benchConfig(bench: BenchCase, replicas: number, steps: number): TrainConfig {
  return {
    ...presetConfig('fonts'),
    backbone: bench.id === 'reference' ? 'reference-net' : bench.id === 'mobilefacenet' ? 'mobilefacenet' : 'glyph-cnn',
    inputSize: bench.spec.input[0],
    embeddingDim: 128,
    loss: bench.loss,
    // Only the knobs the loss reads: a recipe with others is refused.
    lossParams: bench.loss === 'normface' ? { s: 30 } : { s: 30, d: 0.9 },
    batchSize: bench.batchSize,
    steps,
    augment: { shift: 0, flip: false },
    validateEvery: 0,
    replicas
  }
}

async function benchThroughput(
  backend: BackendInitReport,
  bench: BenchCase,
  replicas: number,
  warmup: number,
  steps: number
): Promise<TrainBenchResult> {
  const times: number[] = []
  const data = randomImages(bench, bench.batchSize * 4)
  const model = await trainModel(
    benchConfig(bench, replicas, warmup + steps),
    { train: data },
    {
      onEvent: (event) => {
        if (event.type === 'step' && event.step > warmup) times.push(event.stepSeconds * 1000)
      }
    },
    { backend: backend.choice }
  )
  const macs = model.backbone.macsPerImage
  model.dispose()
  const medianStepMs = median(times)
  const imagesPerSecond = (1000 * bench.batchSize) / medianStepMs
  return {
    backend: backend.choice,
    device: deviceLabel(backend),
    model: bench.name,
    replicas,
    batchSize: bench.batchSize,
    medianStepMs,
    imagesPerSecond,
    effectiveGmacPerSecond: (3 * macs * imagesPerSecond) / 1e9
  }
}

/** Kernel time of one single-replica step, by kernel, largest first. */
async function kernelBreakdown(bench: BenchCase): Promise<{ kernel: string; share: number }[]> {
  const replica = new Replica({
    backbone: bench.spec,
    loss: bench.loss,
    lossParams: { s: 30, d: 0.9 },
    optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 },
    classes: bench.classes,
    seed: 1,
    samplingSeed: 2
  })
  const data = randomImages(bench, bench.batchSize)
  const [h, w, c] = bench.spec.input
  const images = new Float32Array(bench.batchSize * h * w * c)
  for (let i = 0; i < bench.batchSize; i++) data.write(i, images, i * h * w * c)
  await replica.step(images, data.labels, bench.batchSize, 0.01)
  const profile = await tf.profile(async () => {
    await replica.step(images, data.labels, bench.batchSize, 0.01)
  })
  replica.dispose()
  const byKernel = new Map<string, number>()
  for (const k of profile.kernels)
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0))
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0) || 1
  return [...byKernel.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([kernel, ms]) => ({ kernel, share: ms / total }))
}

export async function benchTrain(argv: string[], io: CliIo): Promise<TrainBenchResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      backends: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      models: { type: 'string' },
      'include-slow': { type: 'boolean' },
      quick: { type: 'boolean' }
    }
  })
  // --quick: a few steps on the backend the engine would pick, for the suite.
  const quick = values.quick === true
  const steps = Number(values.steps ?? (quick ? 3 : 10))
  const warmup = Number(values.warmup ?? (quick ? 1 : 3))
  if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(warmup) && warmup >= 0)) {
    throw new UsageError('--steps must be a whole number ≥ 1 and --warmup ≥ 0')
  }
  const choices = (values.backends?.split(',') ?? (quick ? [(await initBackend()).choice] : BACKEND_CHOICES)) as BackendChoice[]
  const known = benchCases()
  const wanted = values.models?.split(',') ?? ['demo', 'reference']
  const unknown = wanted.filter((id) => !known.some((b) => b.id === id))
  if (unknown.length > 0)
    throw new UsageError(`unknown model "${unknown[0]}" for --models; available: ${known.map((b) => b.id).join(', ')}`)
  const cases = known.filter((b) => wanted.includes(b.id))
  const results: TrainBenchResult[] = []
  io.stdout(
    `Training throughput: median of ${steps} steps after ${warmup} warm-up steps; effective GMAC/s counts backward as 2× forward.\n`
  )
  for (const choice of choices) {
    let report
    try {
      report = await initBackend({ force: choice })
    } catch (error) {
      io.stdout(`\n${choice}: skipped — ${error instanceof Error ? error.message : String(error)}\n`)
      continue
    }
    if (choice === 'cpu' && !values['include-slow']) {
      io.stdout(
        `\ncpu: skipped — the pure-JS cpu backend is not a training backend: its Conv2D filter gradient alone ` +
          'takes seconds per layer here (pass --include-slow to measure it anyway)\n'
      )
      continue
    }
    if (report.adapter?.fallback && !values['include-slow']) {
      io.stdout(
        `\n${deviceLabel(report)}: skipped — a software adapter runs far slower than wasm (pass --include-slow to measure it anyway)\n`
      )
      continue
    }
    // tfjs-node runs TensorFlow's own thread pool; the single-threaded backends gain from replicas.
    const replicaCounts = choice === 'wasm' || choice === 'cpu' ? [...new Set([1, defaultReplicaCount()])] : [1]
    for (const bench of cases) {
      io.stdout(`\n${deviceLabel(report)} (${report.tfBackend}): ${bench.name}\n`)
      for (const replicas of replicaCounts) {
        const result = await benchThroughput(report, bench, replicas, warmup, steps)
        results.push(result)
        io.stdout(
          `  ${replicas === 1 ? '1 thread ' : `${replicas} threads`}: ${result.imagesPerSecond.toFixed(1)} img/s, ` +
            `${result.effectiveGmacPerSecond.toFixed(2)} effective GMAC/s, median step ${result.medianStepMs.toFixed(0)} ms\n`
        )
      }
      if (bench.spec.input[0] === 112 && report.choice !== 'wasm' && report.choice !== 'cpu') {
        // A fast trainer on face-sized images can outrun decoding: the loader's figure beside it.
        const loader = await loaderThroughput(defaultReplicaCount(), bench.batchSize, 8)
        const trainer = results[results.length - 1].imagesPerSecond
        io.stdout(
          `  loader (${loader.workers} decoding workers, ${loader.source}): ${loader.imagesPerSecond.toFixed(0)} img/s — ` +
            (loader.imagesPerSecond < trainer
              ? 'slower than the trainer: the GPU would wait for data\n'
              : 'keeps the trainer fed\n')
        )
      }
      const kernels = await kernelBreakdown(bench)
      io.stdout(`  time by kernel (1 thread): ${kernels.map((k) => `${k.kernel} ${(100 * k.share).toFixed(0)}%`).join(', ')}\n`)
    }
  }
  return results
}

const GROUPS: Record<string, (argv: string[], io: CliIo) => Promise<unknown>> = {
  train: benchTrain,
  data: benchData,
  head: benchHead,
  eval: benchEval,
  align: benchAlign
}

/** The suite's order (cheap, then the long head grid); groups not listed run last. */
const SUITE_ORDER = ['train', 'data', 'head', 'eval']

/**
 * `bench [group] [options]`. Without a group (or `all`) every group runs, each with --quick
 * unless --full is given, and the figures go to one JSON + Markdown pair under bench/results/
 * (or --out DIR).
 */
export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const [group, ...rest] = argv
  if (group === undefined || group === 'all' || group.startsWith('--')) {
    const { values } = parseArgs({
      args: group?.startsWith('--') ? argv : rest,
      options: { full: { type: 'boolean' }, out: { type: 'string' } }
    })
    const mode = values.full ? 'full' : 'quick'
    const names = [
      ...SUITE_ORDER.filter((name) => GROUPS[name]),
      ...Object.keys(GROUPS).filter((name) => !SUITE_ORDER.includes(name))
    ]
    const repoDir = fileURLToPath(new URL('../../..', import.meta.url))
    await runSuite(
      {
        groups: Object.fromEntries(names.map((name) => [name, GROUPS[name]])),
        argsFor: () => (mode === 'quick' ? ['--quick'] : []),
        mode,
        backend: await initBackend(),
        outDir: values.out ?? join(repoDir, 'bench', 'results'),
        repoDir
      },
      io
    )
    return 0
  }
  const run = Object.hasOwn(GROUPS, group) ? GROUPS[group] : undefined
  if (!run) throw new UsageError(`unknown benchmark group "${group}"; available: ${Object.keys(GROUPS).join(', ')}`)
  await run(rest, io)
  return 0
}
