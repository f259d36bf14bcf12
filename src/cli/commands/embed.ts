// `embed`: embeddings of image files from a run's model (the app) or an exported ONNX file, and
// their cosine similarity when given two — so anyone can compare the app with the export.
import { parseArgs } from 'node:util'
import { readFileSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import { initBackend } from '../../core/backend'
import { embedImages } from '../../core/models'
import {
  backboneFromWeights,
  decodeOnnxModel,
  imageFilesSource,
  l2NormalizeRows,
  loadRun,
  runOnnx,
  RunLoadError
} from '../../core/export'
import { UsageError, type CliIo } from '../io'

export const EMBED_USAGE = `Usage: npm run cli -- embed (--run DIR [--checkpoint C] | --onnx FILE) IMAGE... [--json]
  --run DIR         use the app's model of a run (checkpoint best | last | PATH, default best)
  --onnx FILE       use an exported ONNX file (input size and channels read from the file)
  --json            print {model, images: [{file, embedding}], cosine?} as JSON
Images are resized to the model's input, converted to grayscale or RGB as the model takes, and
scaled with (p - 127.5) / 127.5. Embeddings are L2-normalized; with two images the cosine
similarity is printed as well.
`

interface Embedded {
  model: string
  dim: number
  embeddings: Float32Array
}

async function embedWithRun(dir: string, checkpoint: string | undefined, files: string[]): Promise<Embedded> {
  let run
  try {
    run = loadRun(dir, checkpoint)
  } catch (error) {
    if (error instanceof RunLoadError) throw new UsageError(error.message)
    throw error
  }
  await initBackend({})
  const source = await imageFilesSource(files, run.spec.input)
  const backbone = backboneFromWeights(run.spec, run.weights.tensors)
  try {
    const embeddings = await embedImages(
      backbone,
      source,
      files.map((_, i) => i)
    )
    return { model: `run ${run.runId} (${run.checkpoint.dir})`, dim: backbone.embeddingDim, embeddings }
  } finally {
    backbone.dispose()
  }
}

async function embedWithOnnx(file: string, files: string[]): Promise<Embedded> {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    throw new UsageError(`${file}: cannot read (${(error as Error).message})`)
  }
  let dims: (number | undefined)[] | undefined
  try {
    dims = decodeOnnxModel(bytes).graph.input[0]?.type?.tensorType?.shape?.dim?.map((d) => d.dimValue)
  } catch (error) {
    throw new UsageError(`${file}: not an ONNX model (${(error as Error).message})`)
  }
  const [, c, h, w] = dims ?? []
  if (dims?.length !== 4 || !c || !h || !w)
    throw new UsageError(`${file}: the model's input is not [N, C, H, W] with a known image size`)
  const source = await imageFilesSource(files, [h, w, c])
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(bytes)
  } catch (error) {
    throw new UsageError(`${file}: ONNX Runtime cannot load it (${(error as Error).message.split('\n')[0]})`)
  }
  try {
    const { values, dims: out } = await runOnnx(
      session,
      source,
      files.map((_, i) => i)
    )
    const dim = out[out.length - 1]
    return { model: `ONNX ${file}`, dim, embeddings: l2NormalizeRows(values, dim) }
  } finally {
    await session.release()
  }
}

export async function embedCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(EMBED_USAGE)
    return 0
  }
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { run: { type: 'string' }, checkpoint: { type: 'string' }, onnx: { type: 'string' }, json: { type: 'boolean' } }
  })
  if ((values.run === undefined) === (values.onnx === undefined))
    throw new UsageError(`give exactly one of --run DIR or --onnx FILE\n\n${EMBED_USAGE}`)
  if (positionals.length === 0) throw new UsageError(`give at least one image file\n\n${EMBED_USAGE}`)
  const result =
    values.run !== undefined
      ? await embedWithRun(values.run, values.checkpoint, positionals)
      : await embedWithOnnx(values.onnx as string, positionals)
  const { dim, embeddings } = result
  const rows = positionals.map((file, i) => ({ file, embedding: Array.from(embeddings.subarray(i * dim, (i + 1) * dim)) }))
  let cosine: number | undefined
  if (rows.length === 2) cosine = rows[0].embedding.reduce((sum, v, j) => sum + v * rows[1].embedding[j], 0)
  if (values.json) {
    io.stdout(JSON.stringify({ model: result.model, dim, images: rows, ...(cosine !== undefined ? { cosine } : {}) }) + '\n')
    return 0
  }
  io.stdout(`${result.model}, ${dim}-D, L2-normalized\n`)
  for (const row of rows) {
    const head = row.embedding
      .slice(0, 6)
      .map((v) => v.toFixed(4))
      .join(', ')
    io.stdout(`${row.file}: [${head}${dim > 6 ? ', …' : ''}]\n`)
  }
  if (cosine !== undefined) io.stdout(`cosine similarity: ${cosine.toFixed(6)}\n`)
  return 0
}
