// Independent double-precision reference implementations of the losses, written straight
// from the losses' written formulas (no tfjs; only the type of loss names comes from src/core).
import type { LossName } from '../../../src/core/losses'

export type Matrix = number[][]

export interface RefParams {
  s: number
  m: number
  d: number
  lambda: number
}

export interface RefParts {
  loss: number
  intra: number
  inter: number
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)))

export function logSumExp(xs: number[]): number {
  const top = Math.max(...xs)
  return top + Math.log(xs.reduce((acc, x) => acc + Math.exp(x - top), 0))
}

/** CE with the documented split: intra = softplus(−t), inter = lse([t, o]) − softplus(t). */
export function crossEntropySplit(t: number, others: number[]): { intra: number; inter: number } {
  const intra = softplus(-t)
  const inter = logSumExp([t, ...others]) - softplus(t)
  return { intra, inter }
}

export function arcTarget(z: number, m: number): number {
  const theta = Math.acos(Math.max(-1, Math.min(1, z)))
  return theta + m <= Math.PI ? Math.cos(theta + m) : z - (1 - Math.cos(m))
}

export function sphereTarget(z: number, m: number, lambda: number): number {
  const theta = Math.acos(Math.max(-1, Math.min(1, z)))
  const k = Math.floor((m * theta) / Math.PI)
  const psi = (k % 2 === 0 ? 1 : -1) * Math.cos(m * theta) - 2 * k
  return (lambda * z + psi) / (1 + lambda)
}

/** The loss names; only the formulas below are written independently of src/core/losses. */
export type RefName = LossName

/** Per-sample parts; `negatives` (class ids) restricts the D-Softmax inter sum for -K. */
export function refSample(
  name: RefName,
  p: RefParams,
  row: number[],
  y: number,
  batchLabels: number[],
  negatives?: number[]
): { intra: number; inter: number } {
  const z = row[y]
  const otherIds = row.map((_, k) => k).filter((k) => k !== y)
  if (name.startsWith('dsoftmax')) {
    let ids = otherIds
    if (name === 'dsoftmax-b') ids = otherIds.filter((k) => batchLabels.includes(k))
    if (name === 'dsoftmax-k') ids = otherIds.filter((k) => (negatives ?? []).includes(k))
    const intra = softplus(p.s * (p.d - z))
    const inter = Math.log(1 + ids.reduce((acc, k) => acc + Math.exp(p.s * row[k]), 0))
    return { intra, inter }
  }
  const scale = name === 'softmax' ? 1 : p.s
  let target = z
  if (name === 'cosface') target = z - p.m
  if (name === 'arcface') target = arcTarget(z, p.m)
  if (name === 'sphereface') target = sphereTarget(z, p.m, p.lambda)
  return crossEntropySplit(
    scale * target,
    otherIds.map((k) => scale * row[k])
  )
}

export function refLoss(name: RefName, p: RefParams, cos: Matrix, labels: number[], negatives?: number[]): RefParts {
  let intra = 0
  let inter = 0
  cos.forEach((row, i) => {
    const part = refSample(name, p, row, labels[i], labels, negatives)
    intra += part.intra
    inter += part.inter
  })
  intra /= cos.length
  inter /= cos.length
  return { loss: intra + inter, intra, inter }
}

/** Central finite-difference gradient of f at a matrix, in doubles. */
export function numericGrad(f: (m: Matrix) => number, at: Matrix, eps = 1e-6): Matrix {
  return at.map((row, i) =>
    row.map((_, j) => {
      const plus = at.map((r) => [...r])
      const minus = at.map((r) => [...r])
      plus[i][j] += eps
      minus[i][j] -= eps
      return (f(plus) - f(minus)) / (2 * eps)
    })
  )
}

export function normalize(v: number[]): number[] {
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}

export function dot(a: number[], b: number[]): number {
  return a.reduce((acc, x, i) => acc + x * b[i], 0)
}

/** Cosine matrix of raw embeddings against raw centres. */
export function cosineMatrix(embeddings: Matrix, centres: Matrix): Matrix {
  const w = centres.map(normalize)
  return embeddings.map((e) => w.map((c) => dot(normalize(e), c)))
}
