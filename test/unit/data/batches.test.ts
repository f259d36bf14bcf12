import { describe, expect, it } from 'vitest'
import { epochOrder, inMemoryBatches, mixSeed, type Batch } from '../../../src/core/data/batches'
import type { LabelledImageSet } from '../../../src/core/data/imageSets'

/** 10 one-pixel examples whose value encodes the index; a random shift adds rng noise when augmenting. */
function tinySet(count = 10): LabelledImageSet {
  return {
    shape: [1, 1, 1],
    count,
    classes: count,
    labels: Int32Array.from({ length: count }, (_, i) => i),
    classNames: [],
    write: (index, out, offset, options) => {
      out[offset] = index + (options?.rng ? options.rng.next() / 10 : 0)
    }
  }
}

async function take(n: number, startAt = 0, augment = false): Promise<Batch[]> {
  const source = inMemoryBatches(tinySet(), {
    batchSize: 3,
    seed: 5,
    startAt,
    augment: augment ? { shift: 1, flip: false } : undefined
  })
  const batches: Batch[] = []
  for (let i = 0; i < n; i++) batches.push(await source.next())
  await source.close()
  return batches
}

describe('inMemoryBatches', () => {
  it('covers each epoch with a permutation and drops the incomplete tail', async () => {
    const batches = await take(6)
    expect(batches.map((b) => b.epoch)).toEqual([0, 0, 0, 1, 1, 1])
    for (const epoch of [0, 1]) {
      const seen = batches.filter((b) => b.epoch === epoch).flatMap((b) => Array.from(b.labels))
      expect(new Set(seen).size).toBe(9)
      expect(Array.from(epochOrder(10, 5, epoch).subarray(0, 9))).toEqual(seen)
    }
    expect(Array.from(epochOrder(10, 5, 0))).not.toEqual(Array.from(epochOrder(10, 5, 1)))
  })

  it('restarted at a position delivers exactly the batches an uninterrupted stream does, augmentation included', async () => {
    const whole = await take(7, 0, true)
    const resumed = await take(3, 4, true)
    expect(resumed.map((b) => b.position)).toEqual([4, 5, 6])
    resumed.forEach((b, i) => {
      expect(Array.from(b.images)).toEqual(Array.from(whole[4 + i].images))
      expect(Array.from(b.labels)).toEqual(Array.from(whole[4 + i].labels))
    })
    // Augmentation noise differs between slots, so identical images would mean a shared rng state.
    expect(new Set(Array.from(whole[0].images).map((v) => v % 1)).size).toBe(3)
  })

  it('refuses a batch larger than the set', () => {
    expect(() => inMemoryBatches(tinySet(2), { batchSize: 3, seed: 1 })).toThrow(/2 images, fewer than one batch of 3/)
  })

  it('mixes seeds so that neighbouring parts give unrelated seeds', () => {
    const seeds = new Set([0, 1, 2, 3].flatMap((a) => [0, 1, 2, 3].map((b) => mixSeed(a, b))))
    expect(seeds.size).toBe(16)
  })
})
