// The check run after every export: the static conformance list, then the file loaded in ONNX
// Runtime and run on a batch of real images and a batch of random inputs, its embeddings
// compared with the app's own (embedImages) row by row.
import { readFileSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import type { ImageSource } from '../data/imageSets'
import { embedImages, type Backbone } from '../models'
import { createRng } from '../util/rng'
import { checkConformance, type Check } from './conformance'
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from './onnxGraph'
import { l2NormalizeRows } from '../eval/cosine'

// The evaluator's normalization, re-exported for the export modules and the embed command.
export { l2NormalizeRows }

export interface Tolerance {
  /** Largest allowed |app − onnx| over every coordinate of the L2-normalized embeddings. */
  maxAbsDiff: number
  /** Smallest allowed cosine between the app's and the file's embedding of one image. */
  minCosine: number
}

export const DEFAULT_TOLERANCE: Tolerance = { maxAbsDiff: 1e-4, minCosine: 0.9999 }

export type RealImages = { source: ImageSource; indices: number[]; description: string } | { unavailable: string }

export interface BatchComparison {
  batch: string
  images: number
  maxAbsDiff: number
  minCosine: number
  ok: boolean
}

export interface ValidationReport {
  file: string
  ok: boolean
  sizeBytes: number
  checks: Check[]
  comparisons: BatchComparison[]
  /** Median wall time of one ONNX Runtime run on a batch of 32, in milliseconds. */
  inferenceMsBatch32?: number
  realImages: string
  tolerance: Tolerance
  onnxruntime: string
  validatedAt: string
}

/** A fixed batch of uniform inputs in the model's input range [-1, 1]. */
export function randomSource(shape: [number, number, number], count: number, seed: number): ImageSource {
  const pixels = shape[0] * shape[1] * shape[2]
  const rng = createRng(seed)
  const data = Float32Array.from({ length: count * pixels }, () => 2 * rng.next() - 1)
  return { shape, count, write: (index, out, offset) => out.set(data.subarray(index * pixels, (index + 1) * pixels), offset) }
}

/** Gathers images as one NCHW float32 batch, the layout the ONNX file takes. */
export function nchwBatch(source: ImageSource, indices: ArrayLike<number>): { data: Float32Array; dims: number[] } {
  const [h, w, c] = source.shape
  const pixels = h * w * c
  const nhwc = new Float32Array(pixels)
  const out = new Float32Array(indices.length * pixels)
  for (let n = 0; n < indices.length; n++) {
    source.write(indices[n], nhwc, 0)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[n * pixels + (ch * h + y) * w + x] = nhwc[(y * w + x) * c + ch]
  }
  return { data: out, dims: [indices.length, c, h, w] }
}

/** Max abs difference and min cosine between two sets of unit rows. */
export function compareEmbeddings(a: Float32Array, b: Float32Array, dim: number): { maxAbsDiff: number; minCosine: number } {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length / dim} embeddings with ${b.length / dim}`)
  let maxAbsDiff = 0
  let minCosine = Infinity
  for (let r = 0; r < a.length / dim; r++) {
    let dot = 0
    for (let j = 0; j < dim; j++) {
      const i = r * dim + j
      dot += a[i] * b[i]
      const diff = Math.abs(a[i] - b[i])
      // NaN never compares greater; count it as the worst difference.
      if (!(diff <= maxAbsDiff)) maxAbsDiff = Number.isNaN(diff) ? Infinity : diff
    }
    if (!(dot >= minCosine)) minCosine = Number.isNaN(dot) ? -Infinity : dot
  }
  return { maxAbsDiff, minCosine }
}

/** Runs an ONNX session on images; returns the raw output rows. */
export async function runOnnx(
  session: ort.InferenceSession,
  source: ImageSource,
  indices: ArrayLike<number>
): Promise<{ values: Float32Array; dims: readonly number[] }> {
  const batch = nchwBatch(source, indices)
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', batch.data, batch.dims) }
  const results = await session.run(feeds)
  const output = results[session.outputNames[0]]
  return { values: output.data as Float32Array, dims: output.dims }
}

export interface ValidateOptions {
  file: string
  /** The app's model the file was exported from. */
  backbone: Backbone
  real: RealImages
  seed?: number
  tolerance?: Tolerance
  /** Timed runs of a batch of 32 (the median is reported); 0 skips the timing. */
  timingRuns?: number
}

export async function validateOnnxFile(options: ValidateOptions): Promise<ValidationReport> {
  const { backbone, file } = options
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE
  const [h, w, c] = backbone.spec.input
  const dim = backbone.embeddingDim
  const bytes = readFileSync(file)
  const parameterCount = backbone.params.reduce((n, p) => n + p.variable.size, 0)
  const { checks, sizeBytes } = checkConformance(bytes, { input: [c, h, w], embeddingDim: dim, parameterCount })
  const report: ValidationReport = {
    file,
    ok: false,
    sizeBytes,
    checks,
    comparisons: [],
    realImages: 'unavailable' in options.real ? `not run: ${options.real.unavailable}` : options.real.description,
    tolerance,
    onnxruntime: ort.env.versions.node ?? 'unknown',
    validatedAt: new Date().toISOString()
  }
  const add = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail })
  if (checks.some((check) => check.name === 'parses as ONNX' && !check.ok)) return report

  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(file)
  } catch (error) {
    add('loads in ONNX Runtime', false, (error as Error).message.split('\n')[0])
    return report
  }
  try {
    const names = session.inputNames[0] === ONNX_INPUT_NAME && session.outputNames[0] === ONNX_OUTPUT_NAME
    add(
      'loads in ONNX Runtime',
      true,
      `onnxruntime-node ${report.onnxruntime}; input "${session.inputNames.join(', ')}", output "${session.outputNames.join(', ')}"` +
        (names ? '' : ' (unexpected names)')
    )

    const compare = async (batch: string, source: ImageSource, indices: number[]): Promise<Float32Array> => {
      const expected = await embedImages(backbone, source, indices, { batchSize: indices.length })
      const { values, dims } = await runOnnx(session, source, indices)
      const shapeOk = dims.length === 2 && dims[0] === indices.length && dims[1] === dim
      add(
        `output shape (${batch})`,
        shapeOk,
        `[${dims.join(', ')}] for ${indices.length} images, expected [${indices.length}, ${dim}]`
      )
      const finite = values.every(Number.isFinite)
      add(`no NaN/Inf in outputs (${batch})`, finite, finite ? `${values.length} finite values` : 'the output holds NaN or Inf')
      const actual = shapeOk ? l2NormalizeRows(values, dim) : new Float32Array(expected.length).fill(Number.NaN)
      const { maxAbsDiff, minCosine } = compareEmbeddings(expected, actual, dim)
      const ok = shapeOk && finite && maxAbsDiff <= tolerance.maxAbsDiff && minCosine >= tolerance.minCosine
      report.comparisons.push({ batch, images: indices.length, maxAbsDiff, minCosine, ok })
      return actual
    }

    const random = randomSource([h, w, c], 32, options.seed ?? 1234)
    const randomIndices = Array.from({ length: 32 }, (_, i) => i)
    const fromRandom = await compare('random', random, randomIndices)
    if (!('unavailable' in options.real)) await compare('real', options.real.source, options.real.indices)
    // A different batch size through the same file: the batch dimension really is dynamic.
    const { values: three } = await runOnnx(session, random, [0, 1, 2])
    const again = compareEmbeddings(fromRandom.subarray(0, 3 * dim), l2NormalizeRows(three, dim), dim)
    add(
      'runs at another batch size',
      again.maxAbsDiff <= tolerance.maxAbsDiff,
      `batch of 3 matches the batch of 32 within ${again.maxAbsDiff.toExponential(2)}`
    )

    const times: number[] = []
    for (let i = 0; i < (options.timingRuns ?? 5); i++) {
      const start = performance.now()
      await runOnnx(session, random, randomIndices)
      times.push(performance.now() - start)
    }
    if (times.length > 0) report.inferenceMsBatch32 = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]
  } finally {
    await session.release()
  }
  report.ok = checks.every((check) => check.ok) && report.comparisons.length > 0 && report.comparisons.every((cmp) => cmp.ok)
  return report
}

/** A few lines for people: verdict, the failed checks, the comparisons. */
export function describeValidation(report: ValidationReport): string {
  const lines = [`validation ${report.ok ? 'PASSED' : 'FAILED'}: ${report.file} (${(report.sizeBytes / 1024).toFixed(1)} KiB)`]
  for (const check of report.checks) lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`)
  for (const cmp of report.comparisons) {
    lines.push(
      `  ${cmp.ok ? 'ok  ' : 'FAIL'} ${cmp.batch} batch of ${cmp.images} vs the app: max |diff| ${cmp.maxAbsDiff.toExponential(2)}, min cosine ${cmp.minCosine.toFixed(7)}`
    )
  }
  lines.push(`  real images: ${report.realImages}`)
  if (report.inferenceMsBatch32 !== undefined)
    lines.push(`  ONNX Runtime: ${report.inferenceMsBatch32.toFixed(1)} ms per batch of 32`)
  return lines.join('\n') + '\n'
}
