/** Export of a trained run: ONNX (validated), embeddings, TF.js (`export:*`). */
import { z } from 'zod'
import { runIdSchema, taskIdSchema, userPathSchema } from './base'
import { CHECKPOINT_CHOICES } from './evaluation'

/**
 * Where an export goes. Absent: the run's own exports/ folder. A path: it must lie inside the
 * run's folder, or be one a save dialog returned in this session (`dialog:save`); anything
 * else is refused.
 */
const exportTarget = userPathSchema.optional()

export const exportOnnxRequestSchema = z.strictObject({
  runId: runIdSchema,
  checkpoint: z.enum(CHECKPOINT_CHOICES).optional(),
  target: exportTarget,
  /** L2-normalize the output inside the graph. */
  normalize: z.boolean().optional(),
  taskId: taskIdSchema.optional()
})

export const exportCheckSchema = z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string() })

export const onnxExportResultSchema = z.strictObject({
  path: z.string(),
  sizeBytes: z.number(),
  /** ONNX Runtime against the app's own embeddings. */
  validation: z.strictObject({
    ok: z.boolean(),
    checks: z.array(exportCheckSchema),
    comparisons: z.array(
      z.strictObject({ batch: z.string(), images: z.number(), maxAbsDiff: z.number(), minCosine: z.number(), ok: z.boolean() })
    ),
    inferenceMsBatch32: z.number().optional(),
    realImages: z.string(),
    onnxruntime: z.string(),
    /** The whole report in words, as the CLI prints it. */
    summary: z.string()
  })
})
export type OnnxExportResult = z.infer<typeof onnxExportResultSchema>

export const exportEmbeddingsRequestSchema = z.strictObject({
  runId: runIdSchema,
  checkpoint: z.enum(CHECKPOINT_CHOICES).optional(),
  format: z.enum(['npy', 'csv']),
  /** Which images: the run's validation images or its training images (capped). */
  images: z.enum(['validation', 'training']).optional(),
  target: exportTarget,
  taskId: taskIdSchema.optional()
})
export const embeddingsExportResultSchema = z.strictObject({
  path: z.string(),
  /** Labels file beside a .npy (absent for CSV, which holds labels). */
  labelsPath: z.string().optional(),
  rows: z.number().int(),
  dim: z.number().int()
})

export const exportTfjsRequestSchema = z.strictObject({
  runId: runIdSchema,
  checkpoint: z.enum(CHECKPOINT_CHOICES).optional(),
  target: exportTarget,
  taskId: taskIdSchema.optional()
})
export const tfjsExportResultSchema = z.strictObject({
  /** Folder holding model.json and the weight shards. */
  path: z.string(),
  files: z.array(z.string()),
  sizeBytes: z.number()
})
