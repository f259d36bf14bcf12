// `bench train`: training throughput per available backend, for the demo preset and for a
// fixed reference model, with a per-kernel breakdown of where one step's time goes.
import { parseArgs } from 'node:util'
import { tf } from '../../core/tf'
import { initBackend, type BackendChoice } from '../../core/backend'
import { createHeadWeights, type LossName } from '../../core/losses'
import { backboneSpec, buildBackbone, type BackboneSpec } from '../../core/models'
import { SgdOptimizer, createTrainStep, presetConfig } from '../../core/train'
import { createRng } from '../../core/util/rng'
import { UsageError, type CliIo } from '../io'

interface BenchCase {
  name: string
  spec: BackboneSpec
  classes: number
  batchSize: number
  loss: LossName
}

export interface TrainBenchResult {
  backend: BackendChoice
  model: string
  batchSize: number
  medianStepMs: number
  imagesPerSecond: number
  /** Training multiply-accumulates per second, counting backward as twice the forward pass. */
  effectiveGmacPerSecond: number
  kernels: { kernel: string; ms: number; share: number }[]
}

function benchCases(): BenchCase[] {
  const demo = presetConfig('fonts')
  return [
    {
      name: `demo preset (${demo.backbone}, ${demo.inputSize}×${demo.inputSize}×1, batch ${demo.batchSize}, ${demo.loss} over 500 classes)`,
      spec: backboneSpec(demo.backbone, { embeddingDim: demo.embeddingDim, inputSize: demo.inputSize, channels: 1 }),
      classes: 500,
      batchSize: demo.batchSize,
      loss: demo.loss
    },
    {
      name: 'reference model (64×64×3, 7 conv blocks, 128-D, cosine head over 1000 classes, batch 64)',
      spec: backboneSpec('reference-net', { embeddingDim: 128 }),
      classes: 1000,
      batchSize: 64,
      loss: 'normface'
    }
  ]
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function benchOne(backend: BackendChoice, bench: BenchCase, warmup: number, steps: number): Promise<TrainBenchResult> {
  const rng = createRng(7)
  const backbone = buildBackbone(bench.spec, rng)
  const head = createHeadWeights(bench.loss, bench.classes, backbone.embeddingDim, 8)
  const optimizer = new SgdOptimizer({ kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 }, [
    ...backbone.params.filter((p) => p.trainable).map((p) => ({ name: p.name, variable: p.variable, decay: p.decay })),
    { name: 'head/centres', variable: head.centres, decay: true }
  ])
  const step = createTrainStep({ backbone, head, optimizer, loss: bench.loss, lossParams: { s: 30, d: 0.9 }, batchSize: bench.batchSize, rng })
  const [h, w, c] = bench.spec.input
  const images = new Float32Array(bench.batchSize * h * w * c).map(() => rng.next() * 2 - 1)
  const labels = Int32Array.from({ length: bench.batchSize }, () => rng.int(bench.classes))
  try {
    for (let i = 0; i < warmup; i++) step(images, labels, 0.01)
    const times: number[] = []
    for (let i = 0; i < steps; i++) {
      const start = performance.now()
      step(images, labels, 0.01)
      times.push(performance.now() - start)
    }
    const profile = await tf.profile(() => {
      step(images, labels, 0.01)
    })
    const byKernel = new Map<string, number>()
    for (const k of profile.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms)
    }
    const kernelTotal = [...byKernel.values()].reduce((a, b) => a + b, 0) || 1
    const kernels = [...byKernel.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([kernel, ms]) => ({ kernel, ms, share: ms / kernelTotal }))
    const medianStepMs = median(times)
    const imagesPerSecond = (1000 * bench.batchSize) / medianStepMs
    return {
      backend,
      model: bench.name,
      batchSize: bench.batchSize,
      medianStepMs,
      imagesPerSecond,
      effectiveGmacPerSecond: (3 * backbone.macsPerImage * imagesPerSecond) / 1e9,
      kernels
    }
  } finally {
    optimizer.dispose()
    backbone.dispose()
    head.centres.dispose()
    head.bias?.dispose()
  }
}

export async function benchTrain(argv: string[], io: CliIo): Promise<TrainBenchResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      backends: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      'include-slow': { type: 'boolean' }
    }
  })
  const steps = Number(values.steps ?? 10)
  const warmup = Number(values.warmup ?? 3)
  if (!(steps >= 1 && warmup >= 0)) throw new UsageError('--steps must be ≥ 1 and --warmup ≥ 0')
  const choices = (values.backends?.split(',') ?? ['node-gpu', 'node', 'wasm', 'cpu']) as BackendChoice[]
  const results: TrainBenchResult[] = []
  for (const choice of choices) {
    let report
    try {
      report = await initBackend({ force: choice })
    } catch (error) {
      io.stdout(`${choice}: skipped — ${error instanceof Error ? error.message : String(error)}\n`)
      continue
    }
    for (const bench of benchCases()) {
      const macs = buildMacs(bench.spec)
      // The pure-JS cpu backend needs minutes per reference step; it is not a training backend.
      if (choice === 'cpu' && macs > 10e6 && !values['include-slow']) {
        io.stdout(`${choice}: ${bench.name}: skipped — the cpu backend needs minutes per step here (pass --include-slow to run it)\n`)
        continue
      }
      const result = await benchOne(choice, bench, warmup, steps)
      results.push(result)
      io.stdout(
        `${choice} (${report.tfBackend}): ${bench.name}\n` +
          `  ${result.imagesPerSecond.toFixed(1)} img/s, ${result.effectiveGmacPerSecond.toFixed(2)} effective GMAC/s, median step ${result.medianStepMs.toFixed(0)} ms over ${steps} steps\n` +
          `  time by kernel: ${result.kernels.map((k) => `${k.kernel} ${(100 * k.share).toFixed(0)}%`).join(', ')}\n`
      )
    }
  }
  return results
}

function buildMacs(spec: BackboneSpec): number {
  const backbone = buildBackbone(spec, createRng(0))
  const macs = backbone.macsPerImage
  backbone.dispose()
  return macs
}

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const [group = 'train', ...rest] = argv
  if (group === 'train' || group === 'all') {
    await benchTrain(rest, io)
    return 0
  }
  throw new UsageError(`unknown benchmark group "${group}"; available: train`)
}
