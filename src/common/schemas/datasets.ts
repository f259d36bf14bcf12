/** Datasets: inspection reports and the workspace's list of added datasets (`datasets:*`). */
import { z } from 'zod'
import { dataUrlSchema, taskIdSchema, textSchema, userPathSchema } from './base'

export const DATASET_FORMATS = ['folder', 'recordio', 'bin', 'pairs-txt', 'pairs-csv', 'bundled'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]

const pathProblem = z.strictObject({ path: z.string(), problem: z.string() })

/** `datasets:inspect`: the engine's InspectReport plus thumbnails, with its problems in words. */
export const datasetReportSchema = z.strictObject({
  path: z.string(),
  format: z.enum(DATASET_FORMATS),
  /** 'training' (identities with images) or 'pairs' (a verification set). */
  role: z.enum(['training', 'pairs']),
  identities: z.number().int(),
  images: z.number().int(),
  pairs: z.strictObject({ total: z.number().int(), same: z.number().int() }).optional(),
  imagesPerIdentity: z.strictObject({
    min: z.number(),
    median: z.number(),
    max: z.number(),
    mean: z.number(),
    histogram: z.array(z.strictObject({ bucket: z.string(), identities: z.number().int() }))
  }),
  sizes: z.array(z.strictObject({ size: z.string(), images: z.number().int() })),
  /** RecordIO over the sampling limit: sizes and duplicates come from this many images. */
  sampled: z.number().int().optional(),
  problems: z.strictObject({
    unreadable: z.array(pathProblem),
    singleImageIdentities: z.array(z.string()),
    emptyIdentities: z.array(z.string()),
    duplicates: z.array(z.strictObject({ hash: z.string(), paths: z.array(z.string()) })),
    ignored: z.number().int(),
    other: z.array(pathProblem)
  }),
  /** Number of problems of every kind together (0: nothing to fix). */
  problemCount: z.number().int(),
  /** A few identities with one image each, as small PNG data URLs. */
  thumbnails: z.array(z.strictObject({ identity: z.string(), dataUrl: dataUrlSchema })),
  seconds: z.number()
})
export type DatasetReport = z.infer<typeof datasetReportSchema>

export const inspectDatasetRequestSchema = z.strictObject({
  path: userPathSchema,
  /** Fully decode every image (slower; finds corruption past the headers). */
  decode: z.boolean().optional(),
  taskId: taskIdSchema.optional()
})

/** A dataset remembered in the workspace (datasets.json); the bundled one is always listed first. */
export const datasetEntrySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  /** Absolute path; '' for the bundled dataset. */
  path: z.string(),
  format: z.enum(DATASET_FORMATS),
  role: z.enum(['training', 'pairs']),
  identities: z.number().int(),
  images: z.number().int(),
  pairs: z.number().int().optional(),
  problemCount: z.number().int(),
  bundled: z.boolean(),
  addedAt: z.string()
})
export type DatasetEntry = z.infer<typeof datasetEntrySchema>

export const addDatasetRequestSchema = z.strictObject({
  path: userPathSchema,
  name: textSchema.optional(),
  taskId: taskIdSchema.optional()
})
export const addDatasetResponseSchema = z.strictObject({ entry: datasetEntrySchema, report: datasetReportSchema })
export const removeDatasetRequestSchema = z.strictObject({ id: z.string().min(1).max(200) })

/** `datasets:align`: an identity folder of photos → an identity folder of aligned face crops. */
export const alignFacesRequestSchema = z.strictObject({
  source: userPathSchema,
  target: userPathSchema,
  size: z.number().int().min(16).max(1024).optional(),
  margin: z.number().min(0).max(1).optional(),
  minFaceSize: z.number().min(0).max(10_000).optional(),
  multiFace: z.enum(['largest', 'skip']).optional(),
  detector: z.enum(['ssd', 'tiny']).optional(),
  /** Add the aligned folder to the workspace's datasets when done (default true). */
  addDataset: z.boolean().optional(),
  taskId: taskIdSchema.optional()
})

const alignRejectSchema = z.strictObject({
  source: z.string(),
  reason: z.enum(['no-face', 'several-faces', 'too-small', 'unreadable', 'failed']),
  detail: z.string(),
  /** The photo, small; absent where it cannot be decoded. */
  dataUrl: dataUrlSchema.optional()
})

export const alignFacesResultSchema = z.strictObject({
  target: z.string(),
  status: z.enum(['complete', 'cancelled']),
  aligned: z.number().int(),
  alreadyDone: z.number().int(),
  rejected: z.array(alignRejectSchema),
  seconds: z.number(),
  workers: z.number().int(),
  backend: z.string().optional(),
  /** A sample of the crops (this run's first, else earlier ones). */
  crops: z.array(z.strictObject({ path: z.string(), dataUrl: dataUrlSchema })),
  /** The aligned folder as added to the workspace. */
  entry: datasetEntrySchema.optional()
})
export type AlignFacesResult = z.infer<typeof alignFacesResultSchema>
