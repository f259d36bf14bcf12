// Opens a run folder for export: its recipe (config.json), the checkpoint asked for, and the
// backbone weights from that checkpoint, checked against the manifest's sha256 and the
// architecture's shapes. Optimizer and classification-head tensors in the checkpoint are never read.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, isAbsolute, join, resolve } from 'node:path'
import { backboneSpec, BACKBONE_NAMES, type BackboneName, type BackboneSpec, type LayerSpec } from '../models'
import type { ExportProvenance } from './exportOnnx'
import type { WeightValue } from './onnxGraph'
import { TensorFileReader, type TensorEntry } from '../train/tensorFile'

/** The part of a run's config.json the exporter needs; the rest is carried as is. */
export interface RunRecipe {
  backbone: BackboneName
  embeddingDim: number
  inputSize: number
  loss: string
  dataset: string
  /** config.data.train of runs trained on a dataset on disk (dataset 'files'). */
  dataPath?: string
  channels?: number
  raw: Record<string, unknown>
}

export interface ResolvedCheckpoint {
  dir: string
  /** 'best', 'last', 'final' or the folder name of an explicit path. */
  label: string
  /** Says which folder was used when the requested one was absent. */
  note?: string
}

export interface StoredWeights {
  sha256: string
  tensors: Map<string, WeightValue>
}

export interface LoadedRun {
  runDir: string
  runId: string
  recipe: RunRecipe
  checkpoint: ResolvedCheckpoint
  weights: StoredWeights
  spec: BackboneSpec
}

/** What an export records about where its weights came from. */
export function provenanceOf(run: LoadedRun): ExportProvenance {
  return {
    runId: run.runId,
    loss: run.recipe.loss,
    dataset: run.recipe.dataset,
    checkpoint: run.checkpoint.label,
    weightsSha256: run.weights.sha256
  }
}

export class RunLoadError extends Error {}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new RunLoadError(`${what} not found: ${path}`)
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new RunLoadError(`${path} is not valid JSON (${(error as Error).message})`)
  }
}

export function readRecipe(runDir: string): RunRecipe {
  const path = join(runDir, 'config.json')
  const raw = readJson(path, 'run config') as Record<string, unknown>
  const problems: string[] = []
  if (typeof raw !== 'object' || raw === null) throw new RunLoadError(`${path} does not hold a JSON object`)
  if (!(BACKBONE_NAMES as readonly unknown[]).includes(raw.backbone)) {
    problems.push(`backbone "${String(raw.backbone)}" is not one of ${BACKBONE_NAMES.join(', ')}`)
  }
  for (const key of ['embeddingDim', 'inputSize'] as const) {
    if (!(Number.isInteger(raw[key]) && (raw[key] as number) > 0))
      problems.push(`${key} must be a positive integer, got ${String(raw[key])}`)
  }
  if (problems.length > 0) throw new RunLoadError(`${path}: ${problems.join('; ')}`)
  const data = raw.data as { train?: unknown } | undefined
  const dataPath = typeof data?.train === 'string' ? data.train : undefined
  return {
    backbone: raw.backbone as BackboneName,
    embeddingDim: raw.embeddingDim as number,
    inputSize: raw.inputSize as number,
    loss: typeof raw.loss === 'string' ? raw.loss : 'unknown',
    dataset: typeof raw.dataset === 'string' ? raw.dataset : (dataPath ?? 'unknown'),
    dataPath,
    channels: typeof raw.channels === 'number' ? raw.channels : undefined,
    raw
  }
}

/** `best` → checkpoints/best, `last` → checkpoints/last, else a path; both fall back to checkpoints/final. */
export function resolveCheckpoint(runDir: string, choice = 'best'): ResolvedCheckpoint {
  const isFolder = (dir: string): boolean => existsSync(dir) && statSync(dir).isDirectory()
  if (choice === 'best' || choice === 'last') {
    const wanted = join(runDir, 'checkpoints', choice)
    if (isFolder(wanted)) return { dir: wanted, label: choice }
    const final = join(runDir, 'checkpoints', 'final')
    if (isFolder(final))
      return { dir: final, label: 'final', note: `the run has no checkpoints/${choice}; used checkpoints/final` }
    throw new RunLoadError(`the run ${runDir} has neither checkpoints/${choice} nor checkpoints/final`)
  }
  const dir = isAbsolute(choice) ? choice : isFolder(join(runDir, choice)) ? join(runDir, choice) : resolve(choice)
  if (!isFolder(dir)) throw new RunLoadError(`checkpoint folder not found: ${choice}`)
  return { dir, label: basename(dir) }
}

/**
 * Opens weights.bin + manifest.json (streamed: the checksum is verified a chunk at a time, any
 * size) and reads the tensors `keep` accepts; the others (a large centre matrix) are never read.
 */
export function readStoredWeights(dir: string, keep: (name: string) => boolean = () => true): StoredWeights {
  const manifestPath = join(dir, 'manifest.json')
  const binPath = join(dir, 'weights.bin')
  if (!existsSync(manifestPath)) throw new RunLoadError(`checkpoint manifest not found: ${manifestPath}`)
  if (!existsSync(binPath)) throw new RunLoadError(`checkpoint weights not found: ${binPath}`)
  let reader: TensorFileReader
  try {
    reader = new TensorFileReader(binPath, manifestPath)
  } catch (error) {
    throw new RunLoadError(error instanceof Error ? error.message : String(error))
  }
  const tensors = new Map<string, WeightValue>()
  for (const name of reader.keys()) {
    if (!keep(name)) continue
    const entry = reader.entry(name) as TensorEntry
    tensors.set(name, { shape: entry.shape, values: reader.get(name) as Float32Array })
  }
  return { sha256: reader.manifest.sha256, tensors }
}

/** The classification head's tensors: not part of the backbone (MobileFaceNet's own head/conv is). */
const CLASSIFIER_TENSORS = new Set(['head/centres', 'head/bias'])
const isBackboneTensor = (name: string): boolean => !CLASSIFIER_TENSORS.has(name) && !name.startsWith('optimizer/')

function firstConvName(layers: LayerSpec[]): string | undefined {
  for (const layer of layers) {
    if (layer.kind === 'conv' || layer.kind === 'depthwise') return layer.name
    if (layer.kind === 'residual') return firstConvName(layer.body) ?? firstConvName(layer.shortcut)
    if (layer.kind === 'dense') return undefined
  }
  return undefined
}

/** Input channels: recorded in the recipe, else read from the first kernel, else by dataset. */
function inputChannels(recipe: RunRecipe, weights: StoredWeights): number {
  if (recipe.channels) return recipe.channels
  const probe = backboneSpec(recipe.backbone, { embeddingDim: recipe.embeddingDim, inputSize: recipe.inputSize, channels: 1 })
  const conv = firstConvName(probe.layers)
  const kernel = conv ? weights.tensors.get(`${conv}/kernel`) : undefined
  if (kernel && kernel.shape.length === 4) return kernel.shape[2]
  return recipe.dataset === 'fonts' || recipe.dataset === 'fonts-chars' ? 1 : 3
}

export function loadRun(runDir: string, checkpointChoice?: string): LoadedRun {
  const dir = resolve(runDir)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RunLoadError(`run folder not found: ${runDir}`)
  const recipe = readRecipe(dir)
  const checkpoint = resolveCheckpoint(dir, checkpointChoice)
  const weights = readStoredWeights(checkpoint.dir, isBackboneTensor)
  const spec = backboneSpec(recipe.backbone, {
    embeddingDim: recipe.embeddingDim,
    inputSize: recipe.inputSize,
    channels: inputChannels(recipe, weights)
  })
  return { runDir: dir, runId: basename(dir), recipe, checkpoint, weights, spec }
}
