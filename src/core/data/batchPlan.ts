// Which examples make up batch k of a streaming source. Depends only on (seed, k) and the dataset,
// never on what was delivered before, so a resumed run replays the same batches.
import { createRng } from '../util/rng'
import { batchPlace, epochOrder, mixSeed } from './batches'

export interface PlannedBatch {
  position: number
  epoch: number
  indices: Int32Array
}

export type BatchPlanner = (position: number) => PlannedBatch

/** Shuffled sampling: consecutive slices of each epoch's seeded permutation. */
export function shufflePlanner(examples: number, batchSize: number, seed: number): BatchPlanner {
  const stepsPerEpoch = Math.floor(examples / batchSize)
  let cached: { epoch: number; order: Int32Array } | null = null
  return (position) => {
    const { epoch, start } = batchPlace(position, stepsPerEpoch, batchSize)
    if (!cached || cached.epoch !== epoch) cached = { epoch, order: epochOrder(examples, seed, epoch) }
    return { position, epoch, indices: cached.order.slice(start, start + batchSize) }
  }
}

/** First `take` entries of a seeded partial Fisher–Yates shuffle of `items` (repeats when too few). */
function draw(items: ArrayLike<number>, take: number, rng: ReturnType<typeof createRng>): number[] {
  const pool = Array.from(items)
  const out: number[] = []
  while (out.length < take) {
    for (let i = 0; i < pool.length && out.length < take; i++) {
      const j = i + rng.int(pool.length - i)
      const tmp = pool[i]
      pool[i] = pool[j]
      pool[j] = tmp
      out.push(pool[i])
    }
  }
  return out
}

/** Identity-balanced sampling: P identities × K images per batch, both drawn from (seed, k). */
export function balancedPlanner(
  labels: Int32Array,
  classes: number,
  batchSize: number,
  seed: number,
  imagesPerIdentity: number
): BatchPlanner {
  // Each class's examples, ascending, as slices of one array (a counting sort): millions of
  // examples cost 4 bytes each rather than a JS array per class.
  const starts = new Int32Array(classes + 1)
  for (let i = 0; i < labels.length; i++) starts[labels[i] + 1]++
  for (let c = 0; c < classes; c++) starts[c + 1] += starts[c]
  const members = new Int32Array(labels.length)
  const filled = starts.slice(0, classes)
  for (let i = 0; i < labels.length; i++) members[filled[labels[i]]++] = i
  const present: number[] = []
  for (let c = 0; c < classes; c++) if (starts[c + 1] > starts[c]) present.push(c)
  const perIdentity = Math.max(1, Math.min(imagesPerIdentity, batchSize))
  const identities = Math.ceil(batchSize / perIdentity)
  const stepsPerEpoch = Math.floor(labels.length / batchSize)
  return (position) => {
    const rng = createRng(mixSeed(seed, position, 0xba1a))
    const chosen = draw(present, identities, rng)
    const indices = chosen.flatMap((c) => draw(members.subarray(starts[c], starts[c + 1]), perIdentity, rng)).slice(0, batchSize)
    return { position, epoch: Math.floor(position / stepsPerEpoch), indices: Int32Array.from(indices) }
  }
}
