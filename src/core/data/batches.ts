// What the trainer consumes: a stream of filled batches that is deterministic for a seed and can
// restart at any batch position (for resume). Batch k depends only on (seed, k): the epoch's
// order is a shuffle seeded by (seed, epoch) and each example's augmentation by (seed, epoch, slot),
// so a run resumed at position k sees exactly the batches an uninterrupted run would have seen.
import { createRng, shuffle, type Rng } from '../util/rng'
import type { Augmentation, LabelledImageSet } from './imageSets'

export interface Batch {
  /** Batch position since the start of the run (0-based), the one to resume after. */
  position: number
  /** Epoch of this batch (0-based). */
  epoch: number
  /** count·h·w·c floats, NHWC, in [-1, 1]. */
  images: Float32Array
  labels: Int32Array
  count: number
  /** Examples replaced because they could not be read (decode errors), so far in this run. */
  skipped: number
}

export interface BatchSource {
  /** Example shape [height, width, channels]. */
  readonly shape: [number, number, number]
  readonly classes: number
  readonly examples: number
  readonly batchSize: number
  /** Whole batches per epoch (the incomplete tail of an epoch is dropped). */
  readonly stepsPerEpoch: number
  /** Position of the next batch next() returns. */
  readonly position: number
  next(): Promise<Batch>
  /** Stops background work; next() must not be called afterwards. */
  close(): Promise<void>
}

export interface BatchSourceOptions {
  batchSize: number
  seed: number
  augment?: Augmentation
  /** First batch position to deliver (0 = from the start; k = resume after k batches). */
  startAt?: number
  /**
   * 'shuffle' (default): every example once per epoch in a seeded order. 'balanced': each batch
   * draws batchSize/imagesPerIdentity identities uniformly, then that many images of each
   * (streaming sources only; in-memory sets always shuffle).
   */
  sampling?: 'shuffle' | 'balanced'
  /** Images per identity in a balanced batch (default 4). */
  imagesPerIdentity?: number
  /** Streaming sources: batches decoded ahead of the trainer at most (default 2 per worker, ≥ 2). */
  prefetch?: number
}

/** Mixes seed parts into one 32-bit seed (FNV-1a over the words). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193) >>> 0
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0
  }
  return h
}

/** The example order of one epoch: a permutation of 0…examples−1 seeded by (seed, epoch). */
export function epochOrder(examples: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(examples)
  for (let i = 0; i < examples; i++) order[i] = i
  shuffle(order, createRng(mixSeed(seed, epoch, 0x5eed)))
  return order
}

/** The random source for augmenting slot `slot` of batch `position`. */
export function augmentRng(seed: number, position: number, slot: number): Rng {
  return createRng(mixSeed(seed, position, slot, 0xa06))
}

/** Positions → (epoch, offset in that epoch's order). */
export function batchPlace(position: number, stepsPerEpoch: number, batchSize: number): { epoch: number; start: number } {
  return { epoch: Math.floor(position / stepsPerEpoch), start: (position % stepsPerEpoch) * batchSize }
}

/** Batches from a set whose examples are already in memory (the bundled glyphs, small sets). */
export function inMemoryBatches(set: LabelledImageSet, options: BatchSourceOptions): BatchSource {
  const { batchSize, seed, augment } = options
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a whole number ≥ 1, got ${batchSize}`)
  if (set.count < batchSize) throw new Error(`the training set has ${set.count} images, fewer than one batch of ${batchSize}`)
  const [h, w, c] = set.shape
  const pixels = h * w * c
  const stepsPerEpoch = Math.floor(set.count / batchSize)
  let position = options.startAt ?? 0
  let order: { epoch: number; indices: Int32Array } | null = null
  return {
    shape: set.shape,
    classes: set.classes,
    examples: set.count,
    batchSize,
    stepsPerEpoch,
    get position() {
      return position
    },
    async next(): Promise<Batch> {
      const { epoch, start } = batchPlace(position, stepsPerEpoch, batchSize)
      if (!order || order.epoch !== epoch) order = { epoch, indices: epochOrder(set.count, seed, epoch) }
      const images = new Float32Array(batchSize * pixels)
      const labels = new Int32Array(batchSize)
      for (let i = 0; i < batchSize; i++) {
        const index = order.indices[start + i]
        set.write(index, images, i * pixels, augment ? { augment, rng: augmentRng(seed, position, i) } : {})
        labels[i] = set.labels[index]
      }
      const batch: Batch = { position, epoch, images, labels, count: batchSize, skipped: 0 }
      position++
      return batch
    },
    async close(): Promise<void> {}
  }
}
