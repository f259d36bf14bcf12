// One training step's loss and gradients computed on two backends from the same weights and batch,
// so a backend can be checked against a reference (cpu or wasm) tensor by tensor.
import { tf } from '../../../src/core/tf'
import { initBackend, type BackendChoice } from '../../../src/core/backend'
import { Replica, type ReplicaSpec } from '../../../src/core/train/replica'
import { checkpointValues } from '../../../src/core/train/checkpoint'
import type { RowGradients } from '../../../src/core/losses'
import { values } from './gradHelpers'

/** Chromium's SwiftShader Vulkan driver: a software WebGPU adapter on machines without a GPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'

export interface StepResult {
  /** Loss, intra part, inter part. */
  losses: number[]
  /** Gradient of every trainable variable, by variable order. */
  grads: Float32Array[]
  /** A sparse head's row gradients (D-Softmax-B/-K). */
  rows?: RowGradients
}

export interface StepInputs {
  spec: ReplicaSpec
  images: Float32Array
  labels: Int32Array
  /** Weights by name; taken from the first backend's replica when absent. */
  weights?: Map<string, Float32Array>
}

/** A deterministic batch for `spec`: pixels in [-1, 1), labels cycling over the classes. */
export function batchFor(spec: ReplicaSpec, count: number, seed = 7): { images: Float32Array; labels: Int32Array } {
  const [h, w, c] = spec.backbone.input
  return {
    images: values([count * h * w * c], seed).data,
    labels: Int32Array.from({ length: count }, (_, i) => (i * 3) % spec.classes)
  }
}

/** Every weight of a replica as host arrays (to start another backend's replica from them). */
export async function readWeights(replica: Replica): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>()
  for (const t of replica.checkpointWeights()) out.set(t.name, Float32Array.from(await checkpointValues(t)))
  return out
}

/** One gradient computation on `backend`; the replica is disposed afterwards. */
export async function stepOn(
  backend: BackendChoice,
  inputs: StepInputs
): Promise<StepResult & { weights: Map<string, Float32Array> }> {
  await initBackend({ force: backend })
  const replica = new Replica(inputs.spec)
  try {
    if (inputs.weights) replica.loadWeights(inputs.weights)
    const weights = inputs.weights ?? (await readWeights(replica))
    const count = inputs.labels.length
    const { values: losses, grads, rows } = await replica.gradients(inputs.images, inputs.labels, count)
    const arrays: Float32Array[] = []
    for (const g of grads) {
      arrays.push(Float32Array.from((await g.data()) as Float32Array))
      g.dispose()
    }
    return { losses: [...losses], grads: arrays, rows, weights }
  } finally {
    replica.dispose()
  }
}

/** ‖a − b‖ / ‖b‖ over all values together (a tensor of pure rounding noise cannot dominate it). */
export function relativeNorm(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0
  let ref = 0
  a.forEach((x, t) => {
    const y = b[t]
    if (x.length !== y.length) throw new Error(`tensor ${t}: ${x.length} vs ${y.length} values`)
    for (let i = 0; i < x.length; i++) {
      diff += (x[i] - y[i]) ** 2
      ref += y[i] ** 2
    }
  })
  return Math.sqrt(diff) / Math.max(Math.sqrt(ref), 1e-30)
}

/** Largest relative difference of the loss values. */
export function lossError(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.max(Math.abs(b[i]), 1e-6)))
}

/** Tensors still alive, for leak checks across a step. */
export const liveTensors = (): number => tf.memory().numTensors
