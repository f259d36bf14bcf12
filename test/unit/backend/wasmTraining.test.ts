// A tiny conv net trained the way the trainer does (plain ops, batch norm from moments):
// its gradients on wasm, with our kernels, equal the cpu backend's stock ones.
import { beforeAll, expect, it } from 'vitest'
import { tf } from '../../../src/core/tf'
import { initBackend } from '../../../src/core/backend'
import { relError, values } from './gradHelpers'

const SHAPES: Record<string, number[]> = {
  w1: [3, 3, 3, 6],
  g1: [6],
  b1: [6],
  dw: [3, 3, 6, 1],
  w2: [3, 3, 6, 8],
  head: [8, 5]
}

beforeAll(async () => {
  await initBackend({ force: 'cpu' })
  await initBackend({ force: 'wasm' })
})

async function gradsOn(backend: 'cpu' | 'wasm'): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  await tf.setBackend(backend)
  const vars = Object.fromEntries(
    Object.entries(SHAPES).map(([name, shape], i) => [
      name,
      tf.variable(tf.tensor(values(shape, 20 + i).data, shape), true, `${backend}_${name}`)
    ])
  )
  const x = tf.tensor(values([4, 12, 12, 3], 40).data, [4, 12, 12, 3]) as tf.Tensor4D
  const labels = tf.tensor1d([0, 3, 3, 1], 'int32')
  const { value, grads } = tf.variableGrads(() => {
    let h = tf.conv2d(x, vars.w1 as tf.Tensor4D, 1, 'same')
    const { mean, variance } = tf.moments(h, [0, 1, 2])
    h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), vars.g1), vars.b1)
    h = tf.relu(h)
    h = tf.maxPool(h, 2, 2, 'valid')
    h = tf.depthwiseConv2d(h, vars.dw as tf.Tensor4D, 1, 'same')
    h = tf.relu(tf.conv2d(h, vars.w2 as tf.Tensor4D, 2, 'valid'))
    h = tf.avgPool(h, 2, 1, 'same')
    const emb = tf.mean(h, [1, 2]) as tf.Tensor2D
    const logits = tf.matMul(emb, vars.head as tf.Tensor2D)
    const target = tf.gather(logits, labels, 1) // [4, 4]: every sample's logit for every label
    const margin = tf.softplus(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(target, tf.eye(4)), 1)))
    return tf.mean(margin) as tf.Scalar
  })
  const loss = (await value.data())[0]
  const out: Record<string, Float32Array> = {}
  for (const [name, g] of Object.entries(grads)) out[name.replace(`${backend}_`, '')] = (await g.data()) as Float32Array
  tf.dispose([value, x, labels, ...Object.values(grads), ...Object.values(vars)])
  return { loss, grads: out }
}

it('variableGrads of a small conv net on wasm equal cpu', async () => {
  const ref = await gradsOn('cpu')
  const got = await gradsOn('wasm')
  expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.loss)))
  expect(Object.keys(got.grads).sort()).toEqual(Object.keys(SHAPES).sort())
  for (const name of Object.keys(SHAPES)) expect(relError(got.grads[name], ref.grads[name]), name).toBeLessThan(1e-4)
})
