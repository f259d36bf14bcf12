import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Batch, BatchSource } from '../../../src/core/data/batches'
import { streamingBatches } from '../../../src/core/data/loader'
import { indexTrainingData, type TrainingIndex } from '../../../src/core/data/trainingIndex'
import { encodeImage, identityColour, tempDir, writeIdentityFolder } from './fixtures'

const SIZE = 16
const PIXELS = SIZE * SIZE * 3
const augment = { shift: 2, flip: true, scale: 0.1, brightness: 0.1, contrast: 0.1 }
let dir: string
let index: TrainingIndex

beforeAll(async () => {
  dir = tempDir('dsoftmax-loader-')
  await writeIdentityFolder(join(dir, 'faces'), ['a', 'b', 'c', 'd'], 6, 24)
  index = await indexTrainingData(join(dir, 'faces'), 'folder', null)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function source(
  idx: TrainingIndex,
  workers: number,
  options: Parameters<typeof streamingBatches>[1],
  hooks: { onDispatch?: (p: number) => void } = {}
): BatchSource {
  return streamingBatches(
    { store: idx.store, labels: idx.labels, classes: idx.classNames.length, shape: [SIZE, SIZE, 3], workers, ...hooks },
    options
  )
}

async function take(src: BatchSource, n: number): Promise<Batch[]> {
  const out: Batch[] = []
  for (let i = 0; i < n; i++) out.push(await src.next())
  await src.close()
  return out
}

/** Which identity a decoded image shows: the palette colour nearest its bottom-centre pixel. */
function identityOf(images: Float32Array, slot: number): number {
  const o = slot * PIXELS + ((SIZE - 2) * SIZE + SIZE / 2) * 3
  const rgb = [0, 1, 2].map((c) => (images[o + c] + 1) * 127.5)
  const distance = (id: number): number => identityColour(id).reduce((d, v, c) => d + (v - rgb[c]) ** 2, 0)
  return [0, 1, 2, 3].reduce((best, id) => (distance(id) < distance(best) ? id : best), 0)
}

describe('streaming loader', () => {
  it('is deterministic per seed, equal with and without worker threads, and restarts at a position', async () => {
    const options = { batchSize: 4, seed: 11, augment }
    const inline = await take(source(index, 0, options), 9) // 6 steps per epoch: crosses into epoch 1
    const threaded = await take(source(index, 2, options), 9)
    const resumedSource = source(index, 2, { ...options, startAt: 5 })
    const resumed = await take(resumedSource, 4)
    await resumedSource.close() // a second close (trainer, then TrainingData.close) returns at once
    expect(inline.map((b) => b.epoch)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1])
    for (let k = 0; k < 9; k++) {
      expect(threaded[k].position).toBe(k)
      expect(Array.from(threaded[k].labels)).toEqual(Array.from(inline[k].labels))
      expect(threaded[k].images).toEqual(inline[k].images)
    }
    resumed.forEach((batch, i) => {
      expect(batch.position).toBe(5 + i)
      expect(batch.images).toEqual(inline[5 + i].images)
    })
    const otherSeed = await take(source(index, 0, { ...options, seed: 12 }), 1)
    expect(otherSeed[0].images).not.toEqual(inline[0].images)
  })

  it('shuffled sampling shows every example once per epoch, each image with its own label', async () => {
    const batches = await take(source(index, 0, { batchSize: 4, seed: 3 }), 6)
    const labels = batches.flatMap((b) => Array.from(b.labels)).sort()
    expect(labels).toEqual(Array.from(index.labels).sort())
    for (const b of batches) for (let s = 0; s < 4; s++) expect(identityOf(b.images, s)).toBe(b.labels[s])
  })

  it('identity-balanced sampling: each batch is P identities × K images', async () => {
    const batches = await take(source(index, 0, { batchSize: 8, seed: 5, sampling: 'balanced', imagesPerIdentity: 2 }), 5)
    for (const b of batches) {
      const counts = new Map<number, number>()
      for (const l of b.labels) counts.set(l, (counts.get(l) ?? 0) + 1)
      expect([...counts.values()]).toEqual([2, 2, 2, 2])
      for (let s = 0; s < 8; s++) expect(identityOf(b.images, s)).toBe(b.labels[s])
    }
  })

  it('a worker that fails to start costs nothing but speed: the same batches come from this thread', async () => {
    const problems: string[] = []
    const options = { batchSize: 4, seed: 11, augment }
    const broken = streamingBatches(
      {
        store: index.store,
        labels: index.labels,
        classes: 4,
        shape: [SIZE, SIZE, 3],
        workers: 1,
        workerEntry: 'noSuchWorker',
        onProblem: (p) => problems.push(`${p.path}: ${p.problem}`)
      },
      options
    )
    const got = await take(broken, 3)
    const expected = await take(source(index, 0, options), 3)
    got.forEach((batch, k) => expect(batch.images).toEqual(expected[k].images))
    expect(problems).toEqual([expect.stringMatching(/^data loader worker: (crashed|exited).*decoding continues without it$/)])
  })

  it('never runs more than `prefetch` batches ahead of the trainer', async () => {
    let furthest = -1
    const src = source(
      index,
      0,
      { batchSize: 4, seed: 1, prefetch: 3 },
      { onDispatch: (p) => (furthest = Math.max(furthest, p)) }
    )
    for (let k = 0; k < 8; k++) {
      await src.next()
      expect(furthest).toBeLessThanOrEqual(src.position + 3 - 1)
    }
    await src.close()
  })

  it('an image that passes indexing but cannot be decoded is replaced by the next example and counted', async () => {
    const bad = join(dir, 'bad')
    await writeIdentityFolder(bad, ['a', 'b'], 3, 24)
    const noise = Uint8Array.from({ length: 48 * 48 * 3 }, (_, i) => (i * 7919) % 251)
    const bytes = await encodeImage(noise, 48, 48, 'jpeg')
    for (let i = bytes.length >> 2; i < bytes.length - 100; i++) bytes[i] = (i * 31) & 0xff
    writeFileSync(join(bad, 'a', '1.png'), bytes) // header and end intact: indexing keeps it
    const badIndex = await indexTrainingData(bad, 'folder', null)
    expect(badIndex.labels.length).toBe(6)
    const problems: string[] = []
    const src = streamingBatches(
      {
        store: badIndex.store,
        labels: badIndex.labels,
        classes: 2,
        shape: [SIZE, SIZE, 3],
        workers: 1,
        onProblem: (p) => problems.push(`${p.path}: ${p.problem}`)
      },
      { batchSize: 6, seed: 2 }
    )
    const [first, second] = [await src.next(), await src.next()]
    await src.close()
    expect(first.skipped).toBe(1)
    expect(second.skipped).toBe(2) // cumulative over the run
    expect(problems[0]).toMatch(/bad\/a\/1\.png: cannot decode JPEG/)
    // Example 1 (a/1.png) was replaced by example 2 (a/2.*): label a twice more, still 6 slots.
    expect(Array.from(first.labels).sort()).toEqual([0, 0, 0, 1, 1, 1])
    for (let s = 0; s < 6; s++) expect(identityOf(first.images, s)).toBe(first.labels[s])
  })
})
