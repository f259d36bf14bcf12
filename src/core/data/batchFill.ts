// Decodes and augments the examples of one planned batch. Runs in a loader worker thread or, with
// no workers, on the calling thread. A slot whose image cannot be read takes the next readable
// example in dataset order instead (deterministic), and the batch counts it as skipped.
import { augmentRng } from './batches'
import { drawAugmentation, writeAugmented } from './augment'
import { decodeToInput } from './decode'
import type { ExampleReader } from './exampleStore'
import type { Augmentation } from './imageSets'

export interface BatchJob {
  position: number
  indices: Int32Array
  seed: number
  augment?: Augmentation
}

export interface FilledBatch {
  position: number
  images: Float32Array
  /** The example actually used in each slot (differs from the plan where one was replaced). */
  used: Int32Array
  skipped: number
  problems: { path: string; problem: string }[]
}

/** How far past a bad example the replacement search goes before the data counts as unreadable. */
const MAX_REPLACEMENT_TRIES = 256

export interface DecodeContext {
  reader: ExampleReader
  size: number
  channels: 1 | 3
  /** Examples known to be unreadable, so they are not decoded again. */
  bad: Set<number>
}

async function decodeSlot(
  ctx: DecodeContext,
  planned: number,
  problems: FilledBatch['problems']
): Promise<{ index: number; pixels: Uint8Array }> {
  const count = ctx.reader.count
  const tries = Math.min(count, MAX_REPLACEMENT_TRIES)
  for (let t = 0; t < tries; t++) {
    const index = (planned + t) % count
    if (ctx.bad.has(index)) continue
    try {
      const bytes = await ctx.reader.read(index)
      return { index, pixels: await decodeToInput(bytes, ctx.size, ctx.channels, ctx.reader.describe(index)) }
    } catch (error) {
      ctx.bad.add(index)
      problems.push({ path: ctx.reader.describe(index), problem: error instanceof Error ? error.message : String(error) })
    }
  }
  throw new Error(`no readable image among ${tries} examples from ${ctx.reader.describe(planned)} on`)
}

export async function fillBatch(job: BatchJob, ctx: DecodeContext): Promise<FilledBatch> {
  const pixels = ctx.size * ctx.size * ctx.channels
  const problems: FilledBatch['problems'] = []
  const slots = await Promise.all(Array.from(job.indices, (planned) => decodeSlot(ctx, planned, problems)))
  const images = new Float32Array(job.indices.length * pixels)
  const used = new Int32Array(job.indices.length)
  let skipped = 0
  slots.forEach((slot, i) => {
    if (slot.index !== job.indices[i]) skipped++
    used[i] = slot.index
    const draw = drawAugmentation(job.augment, job.augment ? augmentRng(job.seed, job.position, i) : undefined)
    writeAugmented(slot.pixels, ctx.size, ctx.channels, images, i * pixels, draw)
  })
  return { position: job.position, images, used, skipped, problems }
}
