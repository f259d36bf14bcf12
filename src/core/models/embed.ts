// Embedding images with a backbone in inference mode, batch by batch, L2-normalized.
import { tf } from '../tf'
import type { ImageSource } from '../data/imageSets'
import type { Backbone } from './backbone'

export interface EmbedOptions {
  batchSize?: number
  /** Sum the embeddings of each image and its mirror before normalizing (the "flip" protocol). */
  flip?: boolean
  onProgress?: (done: number, total: number) => void
}

/** Returns `indices.length × dim` L2-normalized embeddings, row i for image indices[i]. */
export function embedImages(backbone: Backbone, source: ImageSource, indices: ArrayLike<number>, options: EmbedOptions = {}): Float32Array {
  const batchSize = options.batchSize ?? 256
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
        backbone.apply(tf.tensor4d(data.subarray(0, n * pixels), [n, h, w, c]), { training: false })
      let e = forward(buffer)
      if (mirrored) e = tf.add(e, forward(mirrored))
      return tf.div(e, tf.maximum(tf.norm(e, 'euclidean', 1, true), 1e-12))
    })
    result.set(embedded.dataSync() as Float32Array, start * dim)
    embedded.dispose()
    options.onProgress?.(start + n, indices.length)
  }
  return result
}
