// The webgpu backend against the CPU backends: every backbone's loss and parameter gradients, every
// loss (ArcFace's margin gradient both ways, SphereFace with λ), the sparse -B/-K head rows, and
// optimizer steps, from the same weights and batch. Runs on SwiftShader where no GPU exists.
//
// Tolerances. float32 keeps ~7 digits; two correct backends differ by rounding that grows with
// depth and through batch norm over a small batch (its variance divides). Measured webgpu-vs-wasm
// on SwiftShader (relative norm of all gradients together): glyph-cnn-linear 1.4e-6, reference-net
// 4.5e-6, face-resnet 2.1e-5, mobilefacenet 7.1e-5, ir-18 1.4e-4, glyph-cnn 2.0e-4; losses to at
// most 2.7e-5 (ir-18; D-Softmax at s = 30 multiplies a cosine's rounding by 30). The bounds sit ~5×
// above the largest of those. A wrong kernel is not a rounding matter: wasm's float32 OneHot bug
// made D-Softmax's inter part 0, a loss error of 1e-1 and gradient errors above 1e30.
import { beforeAll, describe, expect, it } from 'vitest'
import { tf } from '../../../src/core/tf'
import { describeBackend, initBackend } from '../../../src/core/backend'
import { BACKBONE_NAMES, backboneSpec, embedImages, type BackboneName } from '../../../src/core/models'
import { LOSS_NAMES, type LossName, type LossParams } from '../../../src/core/losses'
import { Replica, type ReplicaSpec } from '../../../src/core/train/replica'
import { evaluatePairs } from '../../../src/core/train/evaluate'
import { batchFor, liveTensors, lossError, readWeights, relativeNorm, stepOn } from './backendCompare'
import { useSwiftShader } from './webgpuSetup'

const GRADIENT_TOLERANCE = 1e-3
const LOSS_TOLERANCE = 1.5e-4
/** SwiftShader runs ir-50 at a few seconds per layer on a loaded 2-core machine. */
const SLOW = 600_000

const available = useSwiftShader('webgpu.test.ts')

function replicaSpec(backbone: BackboneName, loss: LossName, lossParams: LossParams, classes: number): ReplicaSpec {
  // Face backbones at 32×32 (their layers are the same at 112; the cost is not).
  const inputSize = backbone === 'reference-net' ? 64 : 32
  return {
    backbone: backboneSpec(backbone, { embeddingDim: 32, inputSize, channels: backbone.startsWith('glyph') ? 1 : 3 }),
    loss,
    lossParams,
    optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
    classes,
    seed: 11,
    samplingSeed: 12
  }
}

describe.skipIf(!available)('webgpu backend (SwiftShader here: correctness, not speed)', () => {
  beforeAll(async () => {
    await initBackend({ force: 'webgpu' })
  })

  it('forced, it runs on the software adapter and says so; the report names the adapter and its limits', async () => {
    const report = await initBackend({ force: 'webgpu' })
    expect(report).toMatchObject({ choice: 'webgpu', tfBackend: 'webgpu', forced: true })
    expect(report.adapter?.fallback).toBe(true)
    expect(report.adapter?.architecture).toMatch(/swiftshader/i)
    expect(report.adapter?.maxStorageBufferBindingSize).toBeGreaterThan(2 ** 20)
    expect(report.versions['tfjs-backend-webgpu']).toBe(tf.version_core)
    expect(describeBackend(report)).toMatch(/CPU emulation/)
  })

  it('never takes a software adapter by itself: automatic selection passes it over with the reason', async () => {
    const report = await initBackend()
    expect(report.choice).not.toBe('webgpu')
    expect(report.rejected.find((r) => r.choice === 'webgpu')?.reason).toMatch(/only a software adapter .*swiftshader/i)
  })

  it('adds more tensors in one AddN than a shader may bind (the stock kernel returned garbage past 7)', async () => {
    await initBackend({ force: 'webgpu' })
    for (const count of [2, 7, 8, 30, 100]) {
      const sum = tf.tidy(() => tf.addN(Array.from({ length: count }, (_, i) => tf.fill([3], i + 1))))
      const expected = (count * (count + 1)) / 2
      expect(Array.from(await sum.data()), `${count} inputs`).toEqual([expected, expected, expected])
      sum.dispose()
    }
  })

  for (const backbone of BACKBONE_NAMES) {
    it(
      `${backbone}: loss and every parameter gradient match wasm`,
      async () => {
        const spec = replicaSpec(backbone, 'dsoftmax', { s: 30, d: 0.9 }, 5)
        // Batch 4: over 2 examples batch norm turns each feature into ±1, an ill-conditioned step
        // where even cpu and wasm differ by 1e-3 (MobileFaceNet). IR-34/50 use 2 to halve their
        // SwiftShader time; their deeper stacks measured 2e-5 and 1.2e-4 there.
        const { images, labels } = batchFor(spec, backbone === 'ir-34' || backbone === 'ir-50' ? 2 : 4)
        const reference = await stepOn('wasm', { spec, images, labels })
        const gpu = await stepOn('webgpu', { spec, images, labels, weights: reference.weights })
        expect(lossError(gpu.losses, reference.losses)).toBeLessThan(LOSS_TOLERANCE)
        expect(gpu.grads.length).toBe(reference.grads.length)
        expect(relativeNorm(gpu.grads, reference.grads)).toBeLessThan(GRADIENT_TOLERANCE)
      },
      SLOW
    )
  }

  const lossCases: { loss: LossName; params: LossParams; label?: string }[] = [
    ...LOSS_NAMES.filter((l) => l !== 'arcface' && l !== 'dsoftmax-k').map((loss) => ({ loss, params: {} })),
    { loss: 'arcface', params: { s: 30, m: 0.5, marginGradient: 'full' }, label: 'arcface (margin carries gradient)' },
    { loss: 'arcface', params: { s: 30, m: 0.5, marginGradient: 'detached' }, label: 'arcface (detached margin)' },
    { loss: 'sphereface', params: { s: 30, m: 4, lambda: 5 }, label: 'sphereface (m = 4, λ = 5)' },
    { loss: 'dsoftmax-k', params: { s: 30, d: 0.9, count: 3 }, label: 'dsoftmax-k (3 sampled negatives)' }
  ]
  for (const { loss, params, label } of lossCases) {
    it(`${label ?? loss}: loss, intra/inter split and gradients (centre rows included) match cpu`, async () => {
      const spec = replicaSpec('glyph-cnn-linear', loss, params, 7)
      const { images, labels } = batchFor(spec, 4)
      const reference = await stepOn('cpu', { spec, images, labels })
      const gpu = await stepOn('webgpu', { spec, images, labels, weights: reference.weights })
      expect(lossError(gpu.losses, reference.losses)).toBeLessThan(LOSS_TOLERANCE)
      expect(relativeNorm(gpu.grads, reference.grads)).toBeLessThan(GRADIENT_TOLERANCE)
      if (loss === 'dsoftmax-b' || loss === 'dsoftmax-k') {
        // The sparse head: the same rows gathered (the sampler runs on the host) and the same row gradients.
        expect(Array.from(gpu.rows?.classes ?? [])).toEqual(Array.from(reference.rows?.classes ?? [-1]))
        expect(
          relativeNorm([gpu.rows?.grads ?? new Float32Array()], [reference.rows?.grads ?? new Float32Array(1)])
        ).toBeLessThan(GRADIENT_TOLERANCE)
      } else {
        expect(gpu.rows).toBeUndefined()
      }
    })
  }

  it('evaluation is backend-neutral: the same weights give the same embeddings and the same pair scores on webgpu and wasm', async () => {
    const spec = replicaSpec('glyph-cnn', 'dsoftmax', { s: 30, d: 0.9 }, 5)
    const { images } = batchFor(spec, 48, 21)
    const pixels = 32 * 32
    const source = {
      shape: [32, 32, 1] as [number, number, number],
      count: 48,
      write: (i: number, out: Float32Array, offset: number) => out.set(images.subarray(i * pixels, (i + 1) * pixels), offset)
    }
    const pairs = Array.from({ length: 24 }, (_, i) => ({ a: 2 * i, b: 2 * i + 1, same: i % 2 === 0 }))
    const embedOn = async (backend: 'wasm' | 'webgpu', weights?: Map<string, Float32Array>) => {
      await initBackend({ force: backend })
      const replica = new Replica(spec)
      if (weights) replica.loadWeights(weights)
      const own = await readWeights(replica)
      const embeddings = await embedImages(
        replica.backbone,
        source,
        Array.from({ length: 48 }, (_, i) => i),
        { batchSize: 16 }
      )
      const evaluation = await evaluatePairs(replica.backbone, { name: 'synthetic', images: source, pairs }, { flip: true })
      replica.dispose()
      return { own, embeddings, scores: evaluation.scores }
    }
    const wasm = await embedOn('wasm')
    const gpu = await embedOn('webgpu', wasm.own)
    let maxDiff = 0
    for (let i = 0; i < wasm.embeddings.length; i++) maxDiff = Math.max(maxDiff, Math.abs(gpu.embeddings[i] - wasm.embeddings[i]))
    expect(maxDiff).toBeLessThan(1e-5)
    let maxScoreDiff = 0
    for (let i = 0; i < wasm.scores.length; i++) maxScoreDiff = Math.max(maxScoreDiff, Math.abs(gpu.scores[i] - wasm.scores[i]))
    expect(maxScoreDiff).toBeLessThan(1e-5)
  })

  // SGD, not Adam: some batch-norm gradients are zero in exact arithmetic, so their computed values
  // are rounding noise, which Adam's m/√v turns into full-size steps on any two backends alike.
  it(
    'three optimizer steps (Nesterov SGD with clipping, D-Softmax-K with its centre store) end at the same weights as on cpu, and leak no tensors',
    async () => {
      for (const spec of [
        {
          ...replicaSpec('glyph-cnn-linear', 'cosface', {}, 7),
          optimizer: { kind: 'sgd' as const, lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, clipNorm: 0.5 }
        },
        replicaSpec('glyph-cnn-linear', 'dsoftmax-k', { s: 30, d: 0.9, count: 3 }, 7)
      ]) {
        const { images, labels } = batchFor(spec, 4)
        const run = async (backend: 'cpu' | 'webgpu', start?: Map<string, Float32Array>) => {
          await initBackend({ force: backend })
          const replica = new Replica(spec)
          if (start) replica.loadWeights(start)
          const initial = await readWeights(replica)
          await replica.step(images, labels, 4, spec.optimizer.lr)
          const before = liveTensors()
          for (let i = 0; i < 2; i++) await replica.step(images, labels, 4, spec.optimizer.lr)
          const leaked = liveTensors() - before
          const final = await readWeights(replica)
          replica.dispose()
          return { initial, final, leaked }
        }
        const cpu = await run('cpu')
        const gpu = await run('webgpu', cpu.initial)
        const names = [...cpu.final.keys()]
        const moved = relativeNorm(
          names.map((n) => cpu.final.get(n) as Float32Array),
          names.map((n) => cpu.initial.get(n) as Float32Array)
        )
        expect(moved, 'the steps changed the weights').toBeGreaterThan(1e-3)
        expect(
          relativeNorm(
            names.map((n) => gpu.final.get(n) as Float32Array),
            names.map((n) => cpu.final.get(n) as Float32Array)
          ),
          spec.loss
        ).toBeLessThan(GRADIENT_TOLERANCE)
        expect(gpu.leaked, `${spec.loss}: tensors left behind per two steps on webgpu`).toBe(0)
        expect(cpu.leaked).toBe(0)
      }
    },
    SLOW
  )
})
