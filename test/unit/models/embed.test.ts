// Inference with face backbones within wasm's heap: a validation pass used to embed 256 images of
// 112×112 at once holding every feature map (MobileFaceNet ≈ 35 MB an image, 8.75 GiB for the batch:
// "table index is out of bounds" / "memory access out of bounds" from the wasm module). A releasing
// forward pass gives the same embeddings and holds a few maps; the batch is cut to a memory budget.
import { beforeAll, describe, expect, it } from 'vitest'
import { tf } from '../../../src/core/tf'
import { initBackend } from '../../../src/core/backend'
import {
  INFERENCE_BUDGET_BYTES,
  backboneSpec,
  buildBackbone,
  embedImages,
  inferenceBatchSize,
  inferenceFloatsPerImage
} from '../../../src/core/models'
import type { ImageSource } from '../../../src/core/data/imageSets'
import { createRng } from '../../../src/core/util/rng'

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

/** `count` deterministic 112×112×3 images in [0, 1]. */
function syntheticSource(count: number, size = 112): ImageSource {
  return {
    count,
    shape: [size, size, 3],
    write(index, out, offset, options) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const sx = options?.mirror ? size - 1 - x : x
          for (let c = 0; c < 3; c++) out[offset + (y * size + x) * 3 + c] = ((sx * (c + 1) + y * (index + 2)) % 97) / 96
        }
      }
    }
  } as ImageSource
}

describe('inference with a face backbone', () => {
  const spec = backboneSpec('mobilefacenet', { embeddingDim: 128, inputSize: 112, channels: 3 })

  it('sizes the batch from the largest feature map: MobileFaceNet at 112 fits tens of images in the budget, not 256', () => {
    // The largest MobileFaceNet map is 56×56×128 (the first block's expansion): 401,408 floats.
    expect(inferenceFloatsPerImage(spec)).toBe(4 * 56 * 56 * 128)
    const batch = inferenceBatchSize(spec, 256)
    expect(batch).toBe(Math.floor(INFERENCE_BUDGET_BYTES / (4 * 4 * 56 * 56 * 128)))
    expect(batch).toBeLessThan(256)
    expect(inferenceBatchSize(spec, 8)).toBe(8)
  })

  it('a releasing forward pass gives the same embeddings with a tenth of the memory', async () => {
    const model = buildBackbone(spec, createRng(3))
    const source = syntheticSource(6)
    const images = new Float32Array(6 * 112 * 112 * 3)
    for (let i = 0; i < 6; i++) source.write(i, images, i * 112 * 112 * 3)
    const run = async (release: boolean): Promise<{ values: Float32Array; peak: number }> => {
      const before = tf.memory().numBytes
      let values: Float32Array = new Float32Array()
      const profile = await tf.profile(async () => {
        const out = tf.tidy(() =>
          model.apply(tf.tensor4d(images, [6, 112, 112, 3]), { training: false, releaseIntermediates: release })
        )
        values = (await out.data()) as Float32Array
        out.dispose()
      })
      return { values, peak: profile.peakBytes - before }
    }
    const kept = await run(false)
    const released = await run(true)
    expect(Array.from(released.values)).toEqual(Array.from(kept.values))
    expect(released.peak).toBeLessThan(kept.peak / 5)
    expect(released.peak).toBeLessThanOrEqual(6 * 4 * inferenceFloatsPerImage(spec) + 6 * 112 * 112 * 3 * 4)
    // embedImages asked for 256 at a time: same unit-length rows, in the budget.
    const before = tf.memory().numBytes
    let embedded: Float32Array = new Float32Array()
    const profile = await tf.profile(async () => {
      embedded = await embedImages(model, source, [0, 1, 2, 3, 4, 5], { batchSize: 256 })
    })
    expect(profile.peakBytes - before).toBeLessThanOrEqual(INFERENCE_BUDGET_BYTES)
    for (let i = 0; i < 6; i++) {
      const row = kept.values.subarray(i * 128, (i + 1) * 128)
      const norm = Math.hypot(...row)
      for (let j = 0; j < 128; j++) expect(embedded[i * 128 + j]).toBeCloseTo(row[j] / norm, 5)
    }
    model.dispose()
  })
})
