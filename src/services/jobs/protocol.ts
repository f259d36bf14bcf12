/**
 * Jobs that need the engine's tensors (evaluation, embedding projection, export, the backend
 * probe) or parse datasets (inspection) run in a worker thread, never on a host's main thread:
 * the host stays responsive and a cancelled job is simply terminated. This is the message
 * protocol between the two.
 */
import type { AlignFacesResult, BackendReport, DatasetReport, EmbeddingProjection, EvaluationReport, Figure1Result, HostErrorCode, OnnxExportResult } from '../../common/contract'
import type { RequestOf } from '../../common/contract'
import type { AlignFacesInput } from './alignFacesJob'

export interface JobInputs {
  probe: Record<string, never>
  evaluate: Omit<RequestOf<'eval:run'>, 'taskId' | 'runId' | 'checkpoint'> & { runDir: string; worst: number; checkpoint?: string }
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

export type JobKind = keyof JobInputs
/** Jobs that only parse data: their worker never loads tfjs. */
export type DataJobKind = 'inspect-dataset'
export type EngineJobKind = Exclude<JobKind, DataJobKind>

export type JobMessage =
  | { type: 'progress'; fraction: number | null; label?: string }
  | { type: 'result'; value: unknown }
  | { type: 'error'; message: string; code?: HostErrorCode }

export type Progress = (fraction: number | null, label?: string) => void
