/**
 * The paper's Figure 1 as a study the app runs (`study:figure1`): Softmax and D-Softmax trained
 * into a 3-D embedding on 5 and 10 glyph classes, by the same engine code as `cli study figure1`.
 */
import { z } from 'zod'
import { taskIdSchema } from './base'
import { FIGURE1_LOSSES } from '../names'

export const figure1RequestSchema = z.strictObject({
  /** Training steps per run (default: the figure1 presets' 300). */
  steps: z.number().int().min(1).max(10_000).optional(),
  /** Measure the angles on the first N fonts of each class (default: all). */
  measurePerClass: z.number().int().min(1).max(100_000).optional(),
  taskId: taskIdSchema.optional()
})

const anglesSchema = z.strictObject({
  /** Mean angle of each embedding to its class's mean direction, degrees. */
  intraMean: z.number(),
  /** Smallest angle between two class mean directions, degrees. */
  interMin: z.number(),
  /** The two classes (names) at that angle. */
  closest: z.tuple([z.string(), z.string()]),
  /** Smallest angle between two learned class centres (training side only). */
  centresMin: z.number().nullable(),
  centresClosest: z.tuple([z.string(), z.string()]).nullable(),
  collapsed: z.boolean(),
  warnings: z.array(z.string())
})

export const figure1RunSchema = z.strictObject({
  /** "Softmax, 5 classes", "D-Softmax s=10, 10 classes". */
  label: z.string(),
  loss: z.enum(FIGURE1_LOSSES),
  s: z.number().nullable(),
  classCount: z.number().int(),
  classes: z.array(z.string()),
  steps: z.number().int(),
  trainSeconds: z.number(),
  finalLoss: z.number().nullable(),
  train: anglesSchema,
  test: anglesSchema,
  /** [n × 3] unit training embeddings, row-major, with their classes, and the [k × 3] unit centres. */
  points: z.array(z.number()),
  labels: z.array(z.number().int()),
  centres: z.array(z.number())
})

export const figure1ResultSchema = z.strictObject({
  runs: z.array(figure1RunSchema),
  warnings: z.array(z.string()),
  collapseDegrees: z.number(),
  backend: z.string(),
  seconds: z.number(),
  /** The JSON written into the workspace (as `cli study figure1` writes it). */
  file: z.string()
})

export type Figure1Result = z.infer<typeof figure1ResultSchema>
export type Figure1RunView = z.infer<typeof figure1RunSchema>
