// The depthwise-convolution gradient as MobileFaceNet uses it (3×3 stride 1 and 2 with 'same'
// padding, the whole-map GDC kernel with 'valid' padding, channel multiplier 1; multiplier 2 for
// completeness) on wasm, against the cpu backend's stock kernels and against finite differences;
// then MobileFaceNet itself: its gradients on wasm equal cpu's and a few training steps lower the loss.
import { beforeAll, describe, expect, it } from 'vitest'
import { tf } from '../../../src/core/tf'
import { initBackend } from '../../../src/core/backend'
import { backboneSpec, buildBackbone, applyStatUpdates, type StatUpdate } from '../../../src/core/models'
import { createHeadWeights, headLoss } from '../../../src/core/losses'
import { createRng } from '../../../src/core/util/rng'
import { gradsOn, relError, values } from './gradHelpers'

beforeAll(async () => {
  await initBackend({ force: 'cpu' })
  await initBackend({ force: 'wasm' }) // registers our gradients
})

interface DwCase {
  what: string
  x: [number, number, number, number]
  k: number
  m: number
  stride: number
  pad: 'same' | 'valid'
}

const CASES: DwCase[] = [
  { what: 'bottleneck 3×3 stride 1', x: [2, 14, 14, 8], k: 3, m: 1, stride: 1, pad: 'same' },
  { what: 'bottleneck 3×3 stride 2, even map', x: [2, 14, 14, 8], k: 3, m: 1, stride: 2, pad: 'same' },
  { what: 'bottleneck 3×3 stride 2, odd map', x: [2, 7, 7, 6], k: 3, m: 1, stride: 2, pad: 'same' },
  { what: 'GDC 7×7 over the whole map', x: [3, 7, 7, 16], k: 7, m: 1, stride: 1, pad: 'valid' },
  { what: 'GDC 2×2 (32×32 input)', x: [3, 2, 2, 16], k: 2, m: 1, stride: 1, pad: 'valid' },
  { what: 'multiplier 2, stride 2', x: [2, 9, 9, 3], k: 3, m: 2, stride: 2, pad: 'same' }
]

const fshape = (c: DwCase): [number, number, number, number] => [c.k, c.k, c.x[3], c.m]
const forward = (c: DwCase, x: tf.Tensor, w: tf.Tensor): tf.Tensor4D =>
  tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)

function caseInputs(c: DwCase, seed: number): { shape: number[]; data: Float32Array }[] {
  const y = tf.tidy(() => forward(c, tf.zeros(c.x), tf.zeros(fshape(c))))
  const inputs = [values(c.x, seed), values(fshape(c), seed + 1), values(y.shape, seed + 2)]
  y.dispose()
  return inputs
}

describe('depthwise gradient on wasm, as MobileFaceNet uses it', () => {
  for (const [i, c] of CASES.entries()) {
    it(`${c.what}: equals the cpu backend's stock gradient`, async () => {
      const inputs = caseInputs(c, 10 * i + 1)
      const f = (x: tf.Tensor, w: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.mul(forward(c, x, w), r))
      const ref = await gradsOn('cpu', inputs, f)
      const got = await gradsOn('wasm', inputs, f)
      expect(relError(got[0], ref[0]), 'dx').toBeLessThan(1e-4)
      expect(relError(got[1], ref[1]), 'dw').toBeLessThan(1e-4)
    })
  }

  // f(x, w) = Σ r·dwconv(x, w)² is not linear, so the check covers dy ≠ r too.
  for (const c of [CASES[1], CASES[3], CASES[5]]) {
    it(`${c.what}: matches central finite differences on wasm`, async () => {
      await tf.setBackend('wasm')
      const [xv, wv, rv] = caseInputs(c, 77)
      const r = tf.tensor(rv.data, rv.shape)
      const loss = (x: Float32Array, w: Float32Array): number =>
        tf.tidy(() => tf.sum(tf.mul(tf.square(forward(c, tf.tensor(x, xv.shape), tf.tensor(w, wv.shape))), r)).dataSync()[0])
      const [gx, gw] = await gradsOn('wasm', [xv, wv], (x, w) => tf.sum(tf.mul(tf.square(forward(c, x, w)), r)))
      const rng = createRng(5)
      const eps = 1e-2
      for (const [which, base, grad] of [
        ['x', xv.data, gx],
        ['w', wv.data, gw]
      ] as const) {
        for (let t = 0; t < 12; t++) {
          const j = rng.int(base.length)
          const plus = Float32Array.from(base)
          const minus = Float32Array.from(base)
          plus[j] += eps
          minus[j] -= eps
          const numeric =
            which === 'x'
              ? (loss(plus, wv.data) - loss(minus, wv.data)) / (2 * eps)
              : (loss(xv.data, plus) - loss(xv.data, minus)) / (2 * eps)
          // Central differences of a quadratic are exact up to float32 rounding of the sums.
          expect(Math.abs(numeric - grad[j]), `${which}[${j}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(grad[j])))
        }
      }
      r.dispose()
    })
  }
})

describe('MobileFaceNet on wasm', () => {
  // The real architecture at 16×16: four stride-2 stages leave a 1×1 map, so the GDC is 1×1.
  const spec = backboneSpec('mobilefacenet', { embeddingDim: 8, inputSize: 16, channels: 1 })

  // Batch norm with inference statistics: with batch statistics, the gradient of a shift that the
  // next batch norm removes is exactly zero and both backends return float32 noise of different
  // sizes (measured: relative "errors" of 0.4 on project/bn/beta). Batch-statistic gradients are
  // compared in wasmTraining.test.ts.
  it('all its gradients equal the cpu backend’s (depthwise, PReLU, batch norm, shortcuts, GDC)', async () => {
    const x = values([1, 16, 16, 1], 91)
    const labels = Int32Array.from([2])
    const gradsFor = async (backend: 'cpu' | 'wasm'): Promise<Map<string, Float32Array>> => {
      await tf.setBackend(backend)
      const model = buildBackbone(spec, createRng(12))
      const head = createHeadWeights('normface', 3, 8, 13)
      // Every parameter but the 1×1 conv kernels: the cpu backend's Conv2DBackpropFilter takes
      // seconds on them, and the conv filter gradient is compared op by op in wasmGradients.test.ts.
      // Their input gradients still run: everything upstream depends on them.
      const compared = model.params.filter((p) => p.trainable && !/(expand|project|head\/conv)\/kernel$/.test(p.name))
      const out = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const e = model.apply(tf.tensor4d(x.data, [1, 16, 16, 1]), { training: false })
          return headLoss('normface', { s: 8 }, e, tf.tensor1d(labels, 'int32'), head).loss
        }, [...compared.map((p) => p.variable), head.centres])
        return compared.map((p) => [p.name, grads[p.variable.name].dataSync() as Float32Array] as const)
      })
      model.dispose()
      head.centres.dispose()
      return new Map(out)
    }
    const ref = await gradsFor('cpu')
    const got = await gradsFor('wasm')
    expect([...got.keys()]).toEqual([...ref.keys()])
    expect([...got.keys()].filter((n) => n.endsWith('dw/kernel') || n === 'gdc/kernel')).toHaveLength(17)
    expect([...got.keys()].filter((n) => n.endsWith('prelu/alpha'))).toHaveLength(2 + 2 * 15 + 1)
    for (const [name, g] of got) expect(relError(g, ref.get(name) as Float32Array), name).toBeLessThan(1e-4)
  })

  it('trains: a few SGD steps on a fixed batch stay finite and lower the loss', async () => {
    await tf.setBackend('wasm')
    const model = buildBackbone(spec, createRng(21))
    const head = createHeadWeights('dsoftmax', 4, 8, 22)
    const trainable = [...model.params.filter((p) => p.trainable).map((p) => p.variable), head.centres]
    // Four classes of blobs at different places: learnable in a handful of steps.
    const n = 8
    const images = new Float32Array(n * 16 * 16).fill(-1)
    const labels = Int32Array.from({ length: n }, (_, i) => i % 4)
    const rng = createRng(23)
    for (let i = 0; i < n; i++) {
      const [cy, cx] = [
        [4, 4],
        [4, 11],
        [11, 4],
        [11, 11]
      ][labels[i]]
      for (let y = -3; y <= 3; y++)
        for (let x = -3; x <= 3; x++) images[i * 256 + (cy + y) * 16 + cx + x] = 0.5 + 0.5 * rng.next()
    }
    const losses: number[] = []
    for (let step = 0; step < 6; step++) {
      const updates: StatUpdate[] = []
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const e = model.apply(tf.tensor4d(images, [n, 16, 16, 1]), { training: true, statUpdates: updates })
          return headLoss('dsoftmax', { s: 10, d: 0.9 }, e, tf.tensor1d(labels, 'int32'), head).loss
        }, trainable)
        for (const v of trainable) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.05)))
        return value.dataSync()[0]
      })
      applyStatUpdates(updates)
      losses.push(loss)
    }
    expect(losses.every(Number.isFinite)).toBe(true)
    expect(model.params.every((p) => Array.from(p.variable.dataSync()).every(Number.isFinite))).toBe(true)
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0])
    model.dispose()
    head.centres.dispose()
  })
})
