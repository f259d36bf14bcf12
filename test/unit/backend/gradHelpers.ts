// Shared helpers: run the same computation on cpu (stock gradients) and wasm (ours) and compare.
import { tf } from '../../../src/core/tf'

export type Arrays = { shape: number[]; data: Float32Array }[]

/** Deterministic pseudo-random values in [-1, 1) (no dependence on a backend's RNG). */
export function values(shape: number[], seed: number): { shape: number[]; data: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1)
  const data = new Float32Array(n)
  let s = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    data[i] = ((s >>> 0) / 4294967296) * 2 - 1
  }
  return { shape, data }
}

/** Gradients of `f` with respect to tensors built from `inputs`, computed on `backend`. */
export async function gradsOn(backend: string, inputs: Arrays, f: (...xs: tf.Tensor[]) => tf.Scalar): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  const xs = inputs.map((v) => tf.tensor(v.data, v.shape))
  const grads = tf.grads(f)(xs)
  const out = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array))
  tf.dispose([...xs, ...grads])
  return out
}

/** Largest |a − b| relative to the largest |b| (a scale-aware tolerance). */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity
  let diff = 0
  let scale = 1e-6
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  return diff / scale
}
