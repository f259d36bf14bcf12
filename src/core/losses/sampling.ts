// Negative-class sampling for D-Softmax-K.
import type { ResolvedLossParams } from './types'
import { createRng } from '../util/rng'

/** A seedable generator of uniform numbers in [0, 1), the engine's own. */
export function seededRng(seed: number): () => number {
  return createRng(seed).next
}

/** K for one step: `count` when set, else max(1, round(rate·C)); never more than C. */
export function sampleSize(params: Pick<ResolvedLossParams, 'rate'> & { count?: number }, classes: number): number {
  const wanted = params.count ?? Math.round(params.rate * classes)
  return Math.min(classes, Math.max(1, wanted))
}

/**
 * k distinct classes out of `classes`, uniformly, sorted ascending (gathers then read
 * memory in order). Floyd's algorithm: O(k) time and memory, whatever the class count.
 */
export function sampleClasses(classes: number, k: number, rng: () => number = Math.random): Int32Array {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`Cannot sample from ${classes} classes.`)
  const size = Math.min(classes, Math.max(0, Math.floor(k)))
  const chosen = new Set<number>()
  for (let j = classes - size; j < classes; j++) {
    const t = Math.min(j, Math.floor(rng() * (j + 1)))
    chosen.add(chosen.has(t) ? j : t)
  }
  return Int32Array.from(chosen).sort()
}
