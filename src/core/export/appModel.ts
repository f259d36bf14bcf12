// The app's own model for a set of stored weights: the backbone the trainer builds, with every
// variable overwritten from the checkpoint. It is the reference the exports are compared with.
import { tf } from '../tf'
import { buildBackbone, type Backbone, type BackboneSpec } from '../models'
import { createRng } from '../util/rng'
import type { WeightValue } from './onnxGraph'

export function backboneFromWeights(spec: BackboneSpec, weights: Map<string, WeightValue>): Backbone {
  const backbone = buildBackbone(spec, createRng(0))
  try {
    for (const param of backbone.params) {
      const stored = weights.get(param.name)
      if (!stored) throw new Error(`the checkpoint has no tensor ${param.name} for the ${spec.family} backbone`)
      if (stored.shape.join() !== param.variable.shape.join()) {
        throw new Error(
          `checkpoint tensor ${param.name} has shape [${stored.shape}], the ${spec.family} backbone needs [${param.variable.shape}]`
        )
      }
      const value = tf.tensor(stored.values, stored.shape)
      param.variable.assign(value)
      value.dispose()
    }
  } catch (error) {
    backbone.dispose()
    throw error
  }
  return backbone
}

/** The current values of a backbone's parameters, keyed by name (what a checkpoint stores). */
export async function weightsOfBackbone(backbone: Backbone): Promise<Map<string, WeightValue>> {
  const entries = await Promise.all(
    backbone.params.map(
      async (p) =>
        [p.name, { shape: [...p.variable.shape], values: (await p.variable.data()) as Float32Array }] as [string, WeightValue]
    )
  )
  return new Map(entries)
}
