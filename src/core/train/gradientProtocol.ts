// The messages between the trainer and its data-parallel gradient workers (gradientWorker.ts,
// dataParallel.ts), as schemas: each end checks what it receives (src/common/messages.ts). Kept
// apart from the worker's entry, which starts serving when imported.
import { z } from 'zod'
import { LOSS_NAMES, lossParamsSchema } from '../../common/schemas/recipe'

// z.instanceof would narrow these to ArrayBuffer-backed arrays; the replicas' arrays may sit on any buffer.
const float32 = z.custom<Float32Array>((value) => value instanceof Float32Array, 'expected a Float32Array')
const int32 = z.custom<Int32Array>((value) => value instanceof Int32Array, 'expected an Int32Array')

/** A sparse head's row gradients (D-Softmax-B/-K): the classes touched and their rows. */
const rowGradientsSchema = z.strictObject({ classes: int32, grads: float32 })
const stepLossSchema = z.strictObject({ loss: z.enum(LOSS_NAMES), lossParams: lossParamsSchema })

export const workerRequestSchema = z.discriminatedUnion('type', [
  /** `negatives`: a sparse head's negative classes, drawn once for the whole batch by the trainer. */
  z.strictObject({
    type: z.literal('gradients'),
    images: float32,
    labels: int32,
    count: z.number().int().nonnegative(),
    stepLoss: stepLossSchema.optional(),
    negatives: int32.optional()
  }),
  /** Resume / back-off: weights and optimizer state from a checkpoint (by name, flat float32). */
  z.strictObject({
    type: z.literal('load'),
    weights: z.map(z.string(), float32),
    state: z.map(z.string(), float32),
    scalars: z.record(z.string(), z.number())
  }),
  /** `rows`: a sparse head's merged row gradients, applied after the flat part. */
  z.strictObject({ type: z.literal('apply'), flat: float32, lr: z.number(), rows: rowGradientsSchema.optional() }),
  z.strictObject({ type: z.literal('weights') }),
  /** A checkpoint flushed the trainer's sparse store: flush this one at the same step too. */
  z.strictObject({ type: z.literal('flush') })
])
export type WorkerRequest = z.infer<typeof workerRequestSchema>

// Loss values may be NaN (a diverging step): the trainer's divergence handling decides.
const lossValue = z.union([z.number(), z.nan(), z.literal([Infinity, -Infinity])])

export const workerReplySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({
    type: z.literal('gradients'),
    values: z.tuple([lossValue, lossValue, lossValue]),
    flat: float32,
    rows: rowGradientsSchema.optional()
  }),
  z.strictObject({ type: z.literal('weights'), flat: float32 }),
  z.strictObject({ type: z.literal('error'), message: z.string() })
])
export type WorkerReply = z.infer<typeof workerReplySchema>
