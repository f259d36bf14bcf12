// The face photos of the alignment tests (test/helpers/align-fixtures.py, from scikit-image's
// sample images) and the independent computations they are checked against (align-reference.py).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PYTHON } from '../../helpers/python'
import type { Point, Similarity } from '../../../src/core/align/similarity'

const FIXTURES = new URL('../../helpers/align-fixtures.py', import.meta.url).pathname
const REFERENCE = new URL('../../helpers/align-reference.py', import.meta.url).pathname

export type Matrix = number[][]

/** Writes the fixture photos into a new temporary folder; returns it and the known transforms. */
export function writeFacePhotos(): { dir: string; transforms: Record<string, Matrix> } {
  const dir = mkdtempSync(join(tmpdir(), 'align-photos-'))
  execFileSync(PYTHON, [FIXTURES, dir])
  return { dir, transforms: JSON.parse(readFileSync(join(dir, 'transforms.json'), 'utf8')) as Record<string, Matrix> }
}

function reference(args: string[], input: unknown): string {
  return execFileSync(PYTHON, [REFERENCE, ...args], { input: JSON.stringify(input), encoding: 'utf8' })
}

/** scikit-image's SimilarityTransform.estimate (Umeyama) on the same points. */
export function skimageSimilarity(from: readonly Point[], to: readonly Point[]): Matrix {
  return JSON.parse(reference(['similarity'], { from, to })) as Matrix
}

/** scikit-image's bilinear warp of `photo` by `matrix` (photo → crop) to a size×size crop, as RGB bytes. */
export function skimageWarp(photo: string, matrix: Matrix, size: number, out: string): Uint8Array {
  reference(['warp', photo, String(size), out], { matrix })
  return new Uint8Array(readFileSync(out))
}

/** PIL's RGB bytes of a photo. */
export function pilRgb(photo: string, out: string): Uint8Array {
  reference(['rgb', photo, out], null)
  return new Uint8Array(readFileSync(out))
}

export function similarityMatrix(t: Similarity): Matrix {
  return [
    [t.a, -t.b, t.tx],
    [t.b, t.a, t.ty],
    [0, 0, 1]
  ]
}

export function applyMatrix(m: Matrix, [x, y]: Point): Point {
  return [m[0][0] * x + m[0][1] * y + m[0][2], m[1][0] * x + m[1][1] * y + m[1][2]]
}

export function distance(p: Point, q: Point): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1])
}

/** Mean absolute difference of two equal-length byte arrays (grey levels). */
export function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i])
  return sum / a.length
}
