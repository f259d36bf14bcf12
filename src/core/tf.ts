// The single place the engine imports TensorFlow.js from, so every module shares one engine.
import * as tf from '@tensorflow/tfjs-core'

export { tf }
export type { Tensor, Tensor1D, Tensor2D, Tensor4D, Scalar, Variable } from '@tensorflow/tfjs-core'
