// Export = write the ONNX file, validate it, and only then put it in place. A file that fails
// validation is kept beside the target as <file>.failed.onnx for inspection, never as <file>, so a
// previous good export at the same path survives.
import { existsSync, renameSync, rmSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Backbone, BackboneSpec } from '../models'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite'
import { buildOnnxModel, type WeightValue } from './onnxGraph'
import { encodeOnnxModel } from './onnxSchema'
import { describeValidation, validateOnnxFile, type RealImages, type Tolerance, type ValidationReport } from './validate'

export interface ExportProvenance {
  runId: string
  loss: string
  dataset: string
  checkpoint: string
  weightsSha256: string
}

export interface OnnxExportOptions {
  file: string
  spec: BackboneSpec
  weights: Map<string, WeightValue>
  /** The app's model for the same weights, the reference of the validation. */
  backbone: Backbone
  provenance: ExportProvenance
  normalize?: boolean
  real: RealImages
  tolerance?: Tolerance
  timingRuns?: number
  producerVersion?: string
}

export interface OnnxExportResult {
  /** Where the file is: the target when it passed, <file>.failed.onnx when it did not. */
  file: string
  reportFile: string
  report: ValidationReport
  summary: string
}

/** What a downstream user needs to feed the model, stored in metadata_props. */
export function exportMetadata(
  spec: BackboneSpec,
  embeddingDim: number,
  provenance: ExportProvenance,
  normalize: boolean
): Record<string, string> {
  const [h, w, c] = spec.input
  const color = c === 1 ? 'grayscale' : 'RGB'
  return {
    preprocessing: `${color} image resized to ${w}x${h}, pixel values p in 0..255 mapped to (p - 127.5) / 127.5, laid out as NCHW float32`,
    input_layout: 'NCHW',
    input_color: color,
    input_size: `${h}x${w}`,
    input_channels: String(c),
    input_mean: '127.5',
    input_std: '127.5',
    embedding_size: String(embeddingDim),
    l2_normalized: String(normalize),
    backbone: spec.family,
    loss: provenance.loss,
    dataset: provenance.dataset,
    run_id: provenance.runId,
    checkpoint: provenance.checkpoint,
    weights_sha256: provenance.weightsSha256
  }
}

export async function exportOnnx(options: OnnxExportOptions): Promise<OnnxExportResult> {
  const normalize = options.normalize ?? false
  const lookup = (name: string): WeightValue => {
    const value = options.weights.get(name)
    if (!value) throw new Error(`the weights have no tensor ${name}, which the ${options.spec.family} backbone needs`)
    return value
  }
  const model = buildOnnxModel(options.spec, lookup, {
    normalize,
    metadata: exportMetadata(options.spec, options.backbone.embeddingDim, options.provenance, normalize),
    producerVersion: options.producerVersion ?? '0.1.0',
    docString: `${options.spec.family} face-embedding backbone exported by D-Softmax Studio from run ${options.provenance.runId}`
  })
  const bytes = encodeOnnxModel(model)
  const candidate = join(dirname(options.file), `.${basename(options.file)}.${randomBytes(4).toString('hex')}.validating.onnx`)
  writeFileAtomic(candidate, bytes)
  let report: ValidationReport
  try {
    report = await validateOnnxFile({
      file: candidate,
      backbone: options.backbone,
      real: options.real,
      tolerance: options.tolerance,
      timingRuns: options.timingRuns
    })
  } catch (error) {
    rmSync(candidate, { force: true })
    throw error
  }
  const file = report.ok ? options.file : `${options.file}.failed.onnx`
  if (!report.ok && existsSync(file)) rmSync(file)
  renameSync(candidate, file)
  report.file = file
  const reportFile = `${options.file}.validation.json`
  writeJsonAtomic(reportFile, report)
  return { file, reportFile, report, summary: describeValidation(report) }
}
