/** Evaluation of a run on a pair set and the embedding view (`eval:*`). */
import { z } from 'zod'
import { dataUrlSchema, maybeNumber, runIdSchema, taskIdSchema, userPathSchema } from './base'

export const CHECKPOINT_CHOICES = ['best', 'last', 'final'] as const

/** Which pairs: the run's own validation/test pairs, or a pair set on disk (.bin, pairs.txt/csv). */
export const pairSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('run'), set: z.enum(['validation', 'test']) }),
  z.strictObject({ kind: z.literal('file'), path: userPathSchema })
])

export const evaluateRequestSchema = z.strictObject({
  runId: runIdSchema,
  pairs: pairSourceSchema,
  checkpoint: z.enum(CHECKPOINT_CHOICES).optional(),
  /** Also score with flip-augmented embeddings (the "with flip" column). */
  flip: z.boolean().optional(),
  /** How many worst false accepts/rejects to return with images (default 8, at most 32). */
  worst: z.number().int().min(0).max(32).optional(),
  taskId: taskIdSchema.optional()
})

const tenFoldSchema = z.strictObject({ accuracy: z.number(), std: z.number(), threshold: z.number() })

/** A pair the model got wrong at the report's threshold, with both images. */
export const pairExampleSchema = z.strictObject({
  index: z.number().int(),
  score: z.number(),
  same: z.boolean(),
  a: z.strictObject({ label: z.string(), dataUrl: dataUrlSchema }),
  b: z.strictObject({ label: z.string(), dataUrl: dataUrlSchema })
})

export const evaluationReportSchema = z.strictObject({
  runId: z.string(),
  /** Name of the pair set, checkpoint used, when it was computed. */
  set: z.string(),
  checkpoint: z.string(),
  computedAt: z.string(),
  pairs: z.strictObject({ total: z.number().int(), genuine: z.number().int(), impostor: z.number().int() }),
  auc: z.number(),
  eer: z.number(),
  eerThreshold: z.number(),
  /**
   * TAR at fixed FARs. `reliable` is false when fewer than ~10/FAR impostor pairs exist:
   * the value rests on a handful of pairs (show it marked).
   */
  tarAtFar: z.array(z.strictObject({ far: z.number(), tar: maybeNumber, threshold: maybeNumber, reliable: z.boolean() })),
  tenFold: tenFoldSchema,
  /** With flip-augmented embeddings (absent when not asked for). */
  tenFoldFlip: tenFoldSchema.optional(),
  aucFlip: z.number().optional(),
  /** ROC, thinned to ≤ 1000 points, FAR ascending; far = 0 points dropped (log axis). */
  roc: z.strictObject({ far: z.array(z.number()), tar: z.array(z.number()), threshold: z.array(z.number()) }),
  /** Score histograms over the same bins: `edges` has bins + 1 entries. */
  histogram: z.strictObject({ edges: z.array(z.number()), genuine: z.array(z.number()), impostor: z.array(z.number()) }),
  /** The threshold used for the worst examples (the one at FAR = 1e-3 when reliable, else EER). */
  threshold: z.number(),
  worstFalseAccepts: z.array(pairExampleSchema),
  worstFalseRejects: z.array(pairExampleSchema),
  /** Identification (gallery = first image per identity, probes = the rest), when identities repeat. */
  identification: z
    .strictObject({ rank1: z.number(), cmc: z.array(z.number()), gallery: z.number().int(), probes: z.number().int() })
    .optional()
})
export type EvaluationReport = z.infer<typeof evaluationReportSchema>

export const PROJECTIONS = ['auto', 'sphere', 'pca', 'umap'] as const
export const embeddingRequestSchema = z.strictObject({
  runId: runIdSchema,
  /** 'auto': the sphere when the embedding has 3 dimensions, PCA otherwise. */
  method: z.enum(PROJECTIONS).optional(),
  checkpoint: z.enum(CHECKPOINT_CHOICES).optional(),
  /** Identities to draw (the most populous first; default 10, at most 50). */
  identities: z.number().int().min(1).max(50).optional(),
  /** Images per identity (default 20, at most 100). */
  perIdentity: z.number().int().min(1).max(100).optional(),
  taskId: taskIdSchema.optional()
})

/** Points of the embedding view: `dims` 3 (unit sphere, raw normalized embeddings) or 2 (projection). */
export const embeddingProjectionSchema = z.strictObject({
  runId: z.string(),
  method: z.enum(['sphere', 'pca', 'umap']),
  dims: z.union([z.literal(2), z.literal(3)]),
  embeddingDim: z.number().int(),
  /** Flat coordinates, `dims` per point. */
  coords: z.array(z.number()),
  /** Index into `identities` per point. */
  labels: z.array(z.number().int()),
  identities: z.array(z.string()),
  /** PCA: fraction of the variance each axis explains. */
  explained: z.array(z.number()).optional()
})
export type EmbeddingProjection = z.infer<typeof embeddingProjectionSchema>

export const listEvaluationsRequestSchema = z.strictObject({ runId: runIdSchema })
