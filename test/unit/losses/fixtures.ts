// Tiny hand-written embeddings and centres (raw, not normalized) shared by the tests.
import type { Matrix, RefParams } from './reference'
import type { LossName, LossParams } from '../../../src/core/losses'

/** 3-D: 5 classes, a batch of 4 with a repeated label; class 1 and 3 absent from the batch. */
export const centres3: Matrix = [
  [1, 0.2, 0.1],
  [0.1, 1.5, -0.3],
  [-0.4, 0.3, 1.2],
  [0.6, -0.8, 0.2],
  [-0.9, -0.5, -0.4]
]
export const embeddings3: Matrix = [
  [0.9, 0.4, 0.0],
  [-0.2, 0.5, 2.0],
  [0.3, 0.9, 0.7],
  [-1.1, 0.1, -0.6]
]
export const labels3 = [0, 2, 2, 4]

/** 2-D: 3 classes on the circle, a batch of 3. */
export const centres2: Matrix = [
  [1, 0],
  [-0.5, 0.8],
  [-0.6, -0.9]
]
export const embeddings2: Matrix = [
  [0.8, 0.3],
  [-0.4, 1.3],
  [0.2, -0.7]
]
export const labels2 = [0, 1, 2]

/** Per-loss parameters for the value tests (moderate s so nothing saturates). */
export const testParams: Record<LossName, LossParams> = {
  softmax: {},
  normface: { s: 8 },
  sphereface: { s: 8, m: 4, lambda: 2 },
  cosface: { s: 8, m: 0.35 },
  arcface: { s: 8, m: 0.5 },
  dsoftmax: { s: 8, d: 0.7 },
  'dsoftmax-b': { s: 8, d: 0.7 },
  'dsoftmax-k': { s: 8, d: 0.7 }
}

export function refParams(p: LossParams): RefParams {
  return { s: p.s ?? 1, m: p.m ?? 0, d: p.d ?? 0.9, lambda: p.lambda ?? 0 }
}
