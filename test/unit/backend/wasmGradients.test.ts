import { beforeAll, describe, expect, it } from 'vitest'
import { tf } from '../../../src/core/tf'
import { initBackend } from '../../../src/core/backend'
import { WASM_MISSING_TRAINING_KERNELS, originalGradient } from '../../../src/core/backend/wasmGradients'
import { gradsOn, relError, values } from './gradHelpers'

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]]
interface ConvCase {
  x: [number, number, number, number]
  k: [number, number]
  out: number
  strides: number | [number, number]
  pad: Pad
  round?: 'floor' | 'ceil' | 'round'
}

const TOL = 1e-4

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], k: [3, 3], out: 4, strides: 1, pad: 'same' },
  { x: [2, 7, 7, 3], k: [3, 3], out: 4, strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], k: [3, 3], out: 5, strides: 2, pad: 'same' },
  { x: [2, 7, 7, 3], k: [3, 3], out: 5, strides: 2, pad: 'same' },
  { x: [2, 8, 8, 2], k: [3, 3], out: 4, strides: 2, pad: 'valid' },
  { x: [2, 9, 6, 1], k: [3, 3], out: 1, strides: 1, pad: 'same' },
  { x: [1, 6, 6, 1], k: [1, 1], out: 3, strides: 2, pad: 'valid' },
  { x: [2, 8, 7, 3], k: [2, 2], out: 2, strides: 1, pad: 'same' },
  { x: [2, 9, 9, 2], k: [5, 3], out: 3, strides: [2, 1], pad: 'same' },
  { x: [2, 6, 6, 2], k: [3, 3], out: 3, strides: 1, pad: 1 },
  { x: [2, 8, 8, 2], k: [3, 3], out: 3, strides: 2, pad: 1, round: 'floor' },
  {
    x: [2, 7, 8, 2],
    k: [3, 3],
    out: 3,
    strides: 2,
    pad: [
      [0, 0],
      [2, 0],
      [1, 2],
      [0, 0]
    ]
  },
  {
    x: [2, 6, 6, 2],
    k: [3, 3],
    out: 2,
    strides: 1,
    pad: [
      [0, 0],
      [0, 1],
      [3, 0],
      [0, 0]
    ]
  }
]

const label = (c: ConvCase): string => `x${c.x.join('x')} k${c.k.join('x')} s${String(c.strides)} pad ${JSON.stringify(c.pad)}`

beforeAll(async () => {
  await initBackend({ force: 'cpu' })
  await initBackend({ force: 'wasm' }) // registers our gradients
})

describe('wasm lacks what training needs', () => {
  it('has no kernels for the conv filter/depthwise backprops or unsortedSegmentSum', () => {
    for (const k of WASM_MISSING_TRAINING_KERNELS) expect(tf.getKernel(k, 'wasm'), k).toBeUndefined()
    expect(originalGradient('Conv2D')).toBeDefined()
  })
})

describe('Conv2D gradient on wasm equals cpu', () => {
  for (const c of CONV_CASES) {
    it(label(c), async () => {
      const ci = c.x[3]
      const y = tf.tidy(() =>
        tf.conv2d(
          tf.zeros(c.x) as tf.Tensor4D,
          tf.zeros([...c.k, ci, c.out]) as tf.Tensor4D,
          c.strides,
          c.pad,
          'NHWC',
          1,
          c.round
        )
      )
      const inputs = [values(c.x, 1), values([...c.k, ci, c.out], 2), values(y.shape, 3)]
      y.dispose()
      // Weighting the output by a fixed tensor makes dy non-uniform.
      const f = (x: tf.Tensor, w: tf.Tensor, r: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad, 'NHWC', 1, c.round), r))
      const ref = await gradsOn('cpu', inputs, f)
      const got = await gradsOn('wasm', inputs, f)
      expect(relError(got[0], ref[0]), 'dx').toBeLessThan(TOL)
      expect(relError(got[1], ref[1]), 'dw').toBeLessThan(TOL)
    })
  }
})

describe('DepthwiseConv2dNative gradient on wasm equals cpu', () => {
  const cases: (ConvCase & { m: number })[] = [
    { x: [2, 7, 7, 3], k: [3, 3], out: 0, m: 1, strides: 1, pad: 'same' },
    { x: [2, 8, 8, 4], k: [3, 3], out: 0, m: 1, strides: 2, pad: 'same' },
    { x: [2, 7, 7, 2], k: [3, 3], out: 0, m: 2, strides: 2, pad: 'valid' },
    { x: [2, 6, 6, 1], k: [3, 3], out: 0, m: 1, strides: 1, pad: 'valid' },
    { x: [1, 6, 5, 1], k: [5, 5], out: 0, m: 3, strides: 1, pad: 'same' },
    { x: [2, 8, 8, 2], k: [3, 3], out: 0, m: 1, strides: 2, pad: 1, round: 'floor' },
    {
      x: [2, 7, 8, 2],
      k: [3, 3],
      out: 0,
      m: 2,
      strides: [2, 1],
      pad: [
        [0, 0],
        [2, 0],
        [1, 2],
        [0, 0]
      ]
    }
  ]
  for (const c of cases) {
    it(`${label(c)} m${c.m}`, async () => {
      const fshape = [...c.k, c.x[3], c.m] as [number, number, number, number]
      const fwd = (x: tf.Tensor, w: tf.Tensor): tf.Tensor4D =>
        tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad as 'same', 'NHWC', 1, c.round)
      const y = tf.tidy(() => fwd(tf.zeros(c.x), tf.zeros(fshape)))
      const inputs = [values(c.x, 4), values(fshape, 5), values(y.shape, 6)]
      y.dispose()
      const f = (x: tf.Tensor, w: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.mul(fwd(x, w), r))
      const ref = await gradsOn('cpu', inputs, f)
      const got = await gradsOn('wasm', inputs, f)
      expect(relError(got[0], ref[0]), 'dx').toBeLessThan(TOL)
      expect(relError(got[1], ref[1]), 'dw').toBeLessThan(TOL)
    })
  }
})

describe('GatherV2 gradient on wasm equals cpu', () => {
  for (const axis of [0, 1]) {
    it(`axis ${axis}, repeated indices`, async () => {
      const idx = [0, 2, 2, 3, 0]
      const inputs = [values([4, 5, 3], 7), values(axis === 0 ? [5, 5, 3] : [4, 5, 3], 8)]
      const f = (x: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.gather(x, tf.tensor1d(idx, 'int32'), axis), r))
      const ref = await gradsOn('cpu', inputs, f)
      const got = await gradsOn('wasm', inputs, f)
      expect(relError(got[0], ref[0])).toBeLessThan(TOL)
    })
  }
})

describe('delegation', () => {
  async function kernelsRun(backend: string, depthwise: boolean): Promise<string[]> {
    await tf.setBackend(backend)
    const x = tf.tensor(values([1, 5, 5, 2], 9).data, [1, 5, 5, 2]) as tf.Tensor4D
    const w = tf.tensor(values([3, 3, 2, depthwise ? 1 : 3], 10).data, [3, 3, 2, depthwise ? 1 : 3]) as tf.Tensor4D
    const info = await tf.profile(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          depthwise
            ? tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')
            : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')
        )
      )([x, w])
      return g
    })
    tf.dispose([x, w])
    return info.kernelNames
  }

  it('cpu still runs the stock backprop kernels after registration', async () => {
    expect(await kernelsRun('cpu', false)).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput']))
    expect(await kernelsRun('cpu', true)).toEqual(
      expect.arrayContaining(['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'])
    )
  })

  it('wasm runs forward convolutions instead', async () => {
    const conv = await kernelsRun('wasm', false)
    expect(conv).not.toContain('Conv2DBackpropFilter')
    expect(conv).not.toContain('Conv2DBackpropInput')
    const dw = await kernelsRun('wasm', true)
    expect(dw.filter((k) => k.startsWith('DepthwiseConv2dNativeBackprop'))).toEqual([])
  })
})
