/**
 * Jobs that need the engine's tensors (evaluation, embedding projection, export, the backend
 * probe) or parse datasets (inspection) run in a worker thread, never on a host's main thread:
 * the host stays responsive and a cancelled job is simply terminated. This is the message
 * protocol between the two; each end checks what it receives (src/common/messages.ts).
 */
import { z } from 'zod'
import {
  HOST_ERROR_CODES,
  type AlignFacesResult,
  type BackendReport,
  type DatasetReport,
  type EmbeddingProjection,
  type EvaluationReport,
  type Figure1Result,
  type OnnxExportResult
} from '../../common/contract'
import type { RequestOf } from '../../common/contract'
import type { AlignFacesInput } from './alignFacesJob'

export interface JobInputs {
  probe: Record<string, never>
  evaluate: Omit<RequestOf<'eval:run'>, 'taskId' | 'runId' | 'checkpoint'> & {
    runDir: string
    worst: number
    checkpoint?: string
  }
  embedding: Omit<RequestOf<'eval:embedding'>, 'taskId' | 'runId' | 'checkpoint'> & { runDir: string; checkpoint?: string }
  'export-onnx': { runDir: string; checkpoint?: string; file: string; normalize: boolean }
  'export-tfjs': { runDir: string; checkpoint?: string; dir: string }
  'export-embeddings': { runDir: string; checkpoint?: string; file: string; images: 'validation' | 'training' }
  'inspect-dataset': { path: string; decode: boolean }
  /** The results are saved under `workspace`/studies/. */
  'study-figure1': Omit<RequestOf<'study:figure1'>, 'taskId'> & { workspace: string }
  'measure-throughput': { family: 'glyph' | 'face' }
  'align-faces': AlignFacesInput
}

export interface JobOutputs {
  probe: BackendReport
  evaluate: EvaluationReport
  embedding: EmbeddingProjection
  'export-onnx': OnnxExportResult
  'export-tfjs': { path: string; files: string[]; sizeBytes: number }
  'export-embeddings': { path: string; labelsPath?: string; rows: number; dim: number }
  'inspect-dataset': DatasetReport
  'study-figure1': Figure1Result
  'measure-throughput': ThroughputMeasurement
  'align-faces': Omit<AlignFacesResult, 'entry'>
}

/** A training speed measured on this machine (cached by backend and model family). */
export interface ThroughputMeasurement {
  backend: string
  family: 'glyph' | 'face'
  /** The model measured, in words. */
  model: string
  replicas: number
  imagesPerSecond: number
  macsPerImage: number
  /** CPU model × cores: a figure from other hardware is not reused. */
  machine: string
  measuredAt: string
}

/** Every job kind, in the order the input map lists them (checked against JobInputs below). */
export const JOB_KINDS = [
  'probe',
  'evaluate',
  'embedding',
  'export-onnx',
  'export-tfjs',
  'export-embeddings',
  'inspect-dataset',
  'study-figure1',
  'measure-throughput',
  'align-faces'
] as const
export type JobKind = (typeof JOB_KINDS)[number]
// A kind added to JobInputs but not to JOB_KINDS (or the reverse) fails to compile here.
const sameKinds: [JobKind, keyof JobInputs] extends [keyof JobInputs, JobKind] ? true : never = true
void sameKinds
/** Jobs that only parse data: their worker never loads tfjs. */
export type DataJobKind = 'inspect-dataset'
export type EngineJobKind = Exclude<JobKind, DataJobKind>

/**
 * Host → worker: one job. The input's fields were checked by the contract's request schema
 * before the host built it; here the envelope is checked (an id to answer, a known kind, an object).
 */
export const jobRequestSchema = z.strictObject({
  id: z.number().int().nonnegative(),
  kind: z.enum(JOB_KINDS),
  input: z.record(z.string(), z.unknown())
})
export type JobRequest = z.infer<typeof jobRequestSchema>

/** Worker → host: progress of a job, its result, or why it failed. */
export const jobMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    id: z.number().int(),
    type: z.literal('progress'),
    fraction: z.number().nullable(),
    label: z.string().optional()
  }),
  z.strictObject({ id: z.number().int(), type: z.literal('result'), value: z.unknown() }),
  z.strictObject({
    id: z.number().int(),
    type: z.literal('error'),
    message: z.string(),
    code: z.enum(HOST_ERROR_CODES).optional()
  })
])
export type JobMessage = z.infer<typeof jobMessageSchema>

export type Progress = (fraction: number | null, label?: string) => void
