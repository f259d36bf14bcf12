// `export`: a run's backbone to ONNX (validated in ONNX Runtime against the app), to TF.js, and the
// embeddings of the run's data to .npy/CSV. A failed validation exits non-zero.
import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { initBackend } from '../../core/backend'
import { embedImages, type Backbone } from '../../core/models'
import {
  backboneFromWeights,
  exportMetadata,
  exportOnnx,
  exportTfjs,
  loadRun,
  openRunImages,
  provenanceOf,
  validationImages,
  writeEmbeddings,
  RunLoadError,
  type LoadedRun
} from '../../core/export'
import { UsageError, type CliIo } from '../io'

export const EXPORT_USAGE = `Usage: npm run cli -- export --run DIR [options]
  --run DIR              the run folder (workspace/runs/<id>)
  --checkpoint C         best | last | PATH (default best; falls back to checkpoints/final)
  --onnx FILE            write the backbone as ONNX (opset 17, input [N, C, H, W]) and validate it
                         in ONNX Runtime against the app's embeddings; report in FILE.validation.json
  --normalize            end the ONNX graph with an L2 normalization (default: raw embedding)
  --tfjs DIR             write the backbone in TF.js layers-model format (DIR/model.json + weights.bin)
  --embeddings FILE      embeddings of the run's data as FILE.npy (+ FILE.labels.npy) or FILE.csv
  --split S              bundled fonts: train | val | test (default test) for --embeddings
  --limit N              at most N images for --embeddings
  --json                 print the result as one JSON object
Without --onnx, --tfjs or --embeddings, the ONNX file goes to <run>/exports/model.onnx.
Exit status: 0 when every export passed its check, 1 when one failed, 2 for bad options or input.
`

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(EXPORT_USAGE)
    return 0
  }
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      run: { type: 'string' },
      checkpoint: { type: 'string' },
      onnx: { type: 'string' },
      normalize: { type: 'boolean' },
      tfjs: { type: 'string' },
      embeddings: { type: 'string' },
      split: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' }
    }
  })
  if (!values.run) throw new UsageError(`--run DIR is required\n\n${EXPORT_USAGE}`)
  const split = values.split ?? 'test'
  if (split !== 'train' && split !== 'val' && split !== 'test')
    throw new UsageError(`--split must be train, val or test, got "${split}"`)
  const limit = values.limit === undefined ? undefined : Number(values.limit)
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError(`--limit must be a positive whole number, got "${values.limit}"`)
  if (values.embeddings && !/\.(npy|csv)$/i.test(values.embeddings))
    throw new UsageError(`--embeddings ${values.embeddings}: give a file name ending in .npy or .csv`)
  const say = (line: string): void => io.stderr(line + '\n')

  let run: LoadedRun
  try {
    run = loadRun(values.run, values.checkpoint)
  } catch (error) {
    if (error instanceof RunLoadError) throw new UsageError(error.message)
    throw error
  }
  await initBackend({})
  say(
    `run ${run.runId}: ${run.recipe.backbone}, ${run.spec.input.join('×')} input, ${run.recipe.embeddingDim}-D, ${run.recipe.loss} on ${run.recipe.dataset}`
  )
  say(`checkpoint: ${run.checkpoint.dir}${run.checkpoint.note ? ` (${run.checkpoint.note})` : ''}`)
  let backbone: Backbone
  try {
    backbone = backboneFromWeights(run.spec, run.weights.tensors)
  } catch (error) {
    throw new UsageError(`${run.checkpoint.dir}: ${(error as Error).message}`)
  }
  const onnxFile = values.onnx ?? (values.tfjs || values.embeddings ? undefined : join(run.runDir, 'exports', 'model.onnx'))
  const result: Record<string, unknown> = { run: run.runDir, checkpoint: run.checkpoint.dir, checkpointNote: run.checkpoint.note }
  let ok = true
  try {
    const real = onnxFile || values.tfjs ? await validationImages(run.recipe, run.spec.input) : undefined
    if (onnxFile && real) {
      const exported = await exportOnnx({
        file: resolve(onnxFile),
        spec: run.spec,
        weights: run.weights.tensors,
        backbone,
        provenance: provenanceOf(run),
        normalize: values.normalize === true,
        real
      })
      ok &&= exported.report.ok
      result.onnx = { file: exported.file, report: exported.reportFile, ok: exported.report.ok, validation: exported.report }
      if (!values.json) io.stdout(exported.summary + `  report: ${exported.reportFile}\n`)
    }
    if (values.tfjs && real) {
      const metadata = exportMetadata(run.spec, backbone.embeddingDim, provenanceOf(run), false)
      const tfjs = await exportTfjs({
        dir: resolve(values.tfjs),
        spec: run.spec,
        weights: run.weights.tensors,
        backbone,
        real,
        metadata: { ...metadata, input_layout: 'NHWC' }
      })
      ok &&= tfjs.ok
      result.tfjs = tfjs
      if (!values.json) {
        io.stdout(`TF.js export ${tfjs.ok ? 'PASSED' : 'FAILED'}: ${tfjs.files.join(', ')}\n`)
        for (const c of tfjs.comparisons)
          io.stdout(
            `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.batch} batch of ${c.images} vs the app: max |diff| ${c.maxAbsDiff.toExponential(2)}, min cosine ${c.minCosine.toFixed(7)}\n`
          )
      }
    }
    if (values.embeddings) {
      const images = await openRunImages(run.recipe, run.spec.input, { split, limit })
      say(`embedding ${images.description}`)
      const embeddings = await embedImages(backbone, images.source, images.indices, { batchSize: 128 })
      const written = writeEmbeddings(
        resolve(values.embeddings),
        embeddings,
        backbone.embeddingDim,
        images.labels,
        images.classNames
      )
      result.embeddings = {
        files: written.files,
        images: images.indices.length,
        dim: backbone.embeddingDim,
        source: images.description
      }
      if (!values.json)
        io.stdout(
          `embeddings of ${images.indices.length} images (${backbone.embeddingDim}-D, L2-normalized): ${written.files.join(', ')}\n`
        )
    }
  } finally {
    backbone.dispose()
  }
  result.ok = ok
  if (values.json) io.stdout(JSON.stringify(result) + '\n')
  if (!ok) io.stderr('export FAILED its validation: see the report above; the file is not a usable export\n')
  return ok ? 0 : 1
}
