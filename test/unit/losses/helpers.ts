import '@tensorflow/tfjs-backend-cpu'
import { expect } from 'vitest'
import { tf } from '../../../src/core/tf'
import type { LossParts } from '../../../src/core/losses'
import type { Matrix } from './reference'

export { tf }

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu')
  await tf.ready()
}

export const mat = (m: Matrix): tf.Tensor2D => tf.tensor2d(m)
export const ints = (v: number[]): tf.Tensor1D => tf.tensor1d(v, 'int32')

/** Reads and disposes the three scalars. */
export function read(parts: LossParts): { loss: number; intra: number; inter: number } {
  const out = { loss: parts.loss.dataSync()[0], intra: parts.intra.dataSync()[0], inter: parts.inter.dataSync()[0] }
  tf.dispose([parts.loss, parts.intra, parts.inter])
  return out
}

export function toMatrix(t: tf.Tensor): Matrix {
  const out = t.arraySync() as Matrix
  t.dispose()
  return out
}

/** |actual − expected| ≤ rel·max(1, |expected|), with a readable failure. */
export function expectClose(actual: number, expected: number, rel = 1e-4, what = ''): void {
  const tol = rel * Math.max(1, Math.abs(expected))
  expect(Math.abs(actual - expected), `${what} actual ${actual} expected ${expected}`).toBeLessThanOrEqual(tol)
}

export function expectMatrixClose(actual: Matrix, expected: Matrix, rel = 1e-4, what = ''): void {
  expect(actual.length).toBe(expected.length)
  actual.forEach((row, i) => row.forEach((v, j) => expectClose(v, expected[i][j], rel, `${what}[${i}][${j}]`)))
}

export function expectAllFinite(values: ArrayLike<number>, what = ''): void {
  for (let i = 0; i < values.length; i++) expect(Number.isFinite(values[i]), `${what}[${i}] = ${values[i]}`).toBe(true)
}
