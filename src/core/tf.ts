// The single place the engine imports TensorFlow.js from, so every module shares one engine.
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs-core'

// tfjs-core registers no gradients by itself. Its ESM register_all_gradients module does not load
// under plain Node; the @tensorflow/tfjs bundle registers the same gradients on the shared core.
if (!tf.getGradient('Conv2D')) createRequire(import.meta.url)('@tensorflow/tfjs')

export { tf }
export type { Tensor, Tensor1D, Tensor2D, Tensor4D, Scalar, Variable } from '@tensorflow/tfjs-core'
