// Embedding images with a backbone in inference mode, batch by batch, L2-normalized.
import { tf } from '../tf'
import type { ImageSource } from '../data/imageSets'
import type { Backbone } from './backbone'
import type { BackboneSpec } from './spec'
import { walkLayers } from './plan'

export interface EmbedOptions {
  /** Images per forward pass at most; fewer when the backbone's feature maps would pass the memory budget. */
  batchSize?: number
  /** Sum the embeddings of each image and its mirror before normalizing (the "flip" protocol). */
  flip?: boolean
  onProgress?: (done: number, total: number) => void
}

/**
 * Bytes of feature maps one forward pass may hold. wasm's heap stops at 4 GiB and the trainer's
 * own weights, gradients and batches share it; 256 MiB leaves room for all of them.
 */
export const INFERENCE_BUDGET_BYTES = 256 * 2 ** 20

/**
 * Feature-map floats one image holds at the peak of a releasing forward pass: the largest map
 * times 4 (a layer's input, its output, a batch norm's product, a residual's shortcut).
 */
export function inferenceFloatsPerImage(spec: BackboneSpec): number {
  let largest = 0
  walkLayers(spec.layers, spec.input, (step) => {
    largest = Math.max(
      largest,
      step.input.reduce((a, b) => a * b, 1),
      step.output.reduce((a, b) => a * b, 1)
    )
  })
  return 4 * largest
}

/** The batch a forward pass of `spec` uses: `requested`, or fewer to stay within `budgetBytes`. */
export function inferenceBatchSize(spec: BackboneSpec, requested: number, budgetBytes = INFERENCE_BUDGET_BYTES): number {
  const fits = Math.floor(budgetBytes / (4 * inferenceFloatsPerImage(spec)))
  return Math.max(1, Math.min(requested, fits))
}

/**
 * Returns `indices.length × dim` L2-normalized embeddings, row i for image indices[i]. Each batch
 * is read back with `await data()` (the webgpu backend has no synchronous read).
 */
export async function embedImages(
  backbone: Backbone,
  source: ImageSource,
  indices: ArrayLike<number>,
  options: EmbedOptions = {}
): Promise<Float32Array> {
  const batchSize = inferenceBatchSize(backbone.spec, options.batchSize ?? 256)
  const [h, w, c] = source.shape
  const pixels = h * w * c
  const dim = backbone.embeddingDim
  const result = new Float32Array(indices.length * dim)
  const buffer = new Float32Array(batchSize * pixels)
  const mirrored = options.flip ? new Float32Array(batchSize * pixels) : null
  for (let start = 0; start < indices.length; start += batchSize) {
    const n = Math.min(batchSize, indices.length - start)
    for (let i = 0; i < n; i++) {
      source.write(indices[start + i], buffer, i * pixels)
      if (mirrored) source.write(indices[start + i], mirrored, i * pixels, { mirror: true })
    }
    const embedded = tf.tidy(() => {
      const forward = (data: Float32Array): tf.Tensor2D =>
        backbone.apply(tf.tensor4d(data.subarray(0, n * pixels), [n, h, w, c]), { training: false, releaseIntermediates: true })
      let e = forward(buffer)
      if (mirrored) e = tf.add(e, forward(mirrored))
      return tf.div(e, tf.maximum(tf.norm(e, 'euclidean', 1, true), 1e-12))
    })
    try {
      result.set((await embedded.data()) as Float32Array, start * dim)
    } finally {
      embedded.dispose()
    }
    options.onProgress?.(start + n, indices.length)
  }
  return result
}
