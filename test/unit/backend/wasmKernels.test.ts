// The wasm BatchMatMul wrapper (explicit transpose, then XNNPACK's plain product) must give the
// same products as the cpu backend for every transpose combination, and free its temporaries.
import { beforeAll, describe, expect, it } from 'vitest'
import '@tensorflow/tfjs-backend-cpu'
import { tf } from '../../../src/core/tf'
import { initBackend } from '../../../src/core/backend'
import { createRng } from '../../../src/core/util/rng'

const rng = createRng(9)
const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal())

async function productOn(
  backend: string,
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  ta: boolean,
  tb: boolean
): Promise<Float32Array> {
  await tf.setBackend(backend)
  return tf.tidy(() => {
    const x = tf.tensor3d(a, aShape as [number, number, number])
    const y = tf.tensor3d(b, bShape as [number, number, number])
    return tf.matMul(x, y, ta, tb).dataSync() as Float32Array
  })
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('wasm BatchMatMul with transposes', () => {
  const cases: [boolean, boolean][] = [
    [false, false],
    [true, false],
    [false, true],
    [true, true]
  ]
  for (const [ta, tb] of cases) {
    it(`matches cpu for transposeA=${ta}, transposeB=${tb} on a batch of 3`, async () => {
      const [m, k, n] = [5, 7, 4]
      const aShape = ta ? [3, k, m] : [3, m, k]
      const bShape = tb ? [3, n, k] : [3, k, n]
      const a = values(3 * m * k)
      const b = values(3 * k * n)
      const expected = await productOn('cpu', a, aShape, b, bShape, ta, tb)
      const actual = await productOn('wasm', a, aShape, b, bShape, ta, tb)
      expect(actual.length).toBe(3 * m * n)
      actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4))
    })
  }

  it('frees the transposed temporaries', async () => {
    await tf.setBackend('wasm')
    const a = tf.tensor(values(64 * 32), [64, 32]) as tf.Tensor2D
    const b = tf.tensor(values(64 * 16), [64, 16]) as tf.Tensor2D
    const before = tf.engine().backend.numDataIds()
    for (let i = 0; i < 3; i++) tf.tidy(() => void tf.matMul(a, b, true, false).dataSync())
    expect(tf.engine().backend.numDataIds()).toBe(before)
  })

  it('gives the same gradient of a·bᵀ as cpu (the gradient itself uses transposed products)', async () => {
    const a = values(6 * 4)
    const b = values(5 * 4)
    const gradOn = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend)
      return tf.tidy(() => {
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true)))
        )
        return g([tf.tensor2d(a, [6, 4]), tf.tensor2d(b, [5, 4])]).map((t) => t.dataSync() as Float32Array)
      })
    }
    const expected = await gradOn('cpu')
    const actual = await gradOn('wasm')
    actual.forEach((t, j) => t.forEach((v, i) => expect(v).toBeCloseTo(expected[j][i], 3)))
  })
})

describe('wasm OneHot honours its dtype', () => {
  // The stock wasm kernel writes int32 bit patterns whatever the dtype: a float32 1 read as 1.4e-45.
  it('float32 one-hots (and inverted ones) equal the cpu backend’s exactly, out-of-range ids give a row of offValue', async () => {
    const ids = [0, 3, 4, -1, 7]
    const on = async (backend: string, onValue: number, offValue: number, dtype: 'float32' | 'int32'): Promise<number[]> => {
      await tf.setBackend(backend)
      return Array.from(await tf.tidy(() => tf.oneHot(tf.tensor1d(ids, 'int32'), 5, onValue, offValue, dtype)).data())
    }
    for (const [onValue, offValue, dtype] of [
      [1, 0, 'float32'],
      [0, 1, 'float32'],
      [2.5, -0.5, 'float32'],
      [1, 0, 'int32']
    ] as const) {
      const expected = ids.flatMap((id) => Array.from({ length: 5 }, (_, k) => (k === id ? onValue : offValue)))
      expect(await on('wasm', onValue, offValue, dtype), `${onValue}/${offValue} ${dtype}`).toEqual(expected)
      expect(await on('cpu', onValue, offValue, dtype)).toEqual(expected)
    }
  })
})
