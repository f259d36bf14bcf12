// Opens a run folder for export: its recipe (config.json), the checkpoint asked for, and the
// backbone weights from that checkpoint, checked against the manifest's sha256 and the
// architecture's shapes. Optimizer and head tensors in the checkpoint are ignored.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, isAbsolute, join, resolve } from 'node:path'
import { backboneSpec, BACKBONE_NAMES, type BackboneName, type BackboneSpec, type LayerSpec } from '../models'
import type { ExportProvenance } from './exportOnnx'
import { float32FromLittleEndian, type WeightValue } from './onnxGraph'
import { sha256Hex } from '../util/hash'

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
  return { runId: run.runId, loss: run.recipe.loss, dataset: run.recipe.dataset, checkpoint: run.checkpoint.label, weightsSha256: run.weights.sha256 }
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
    if (!(Number.isInteger(raw[key]) && (raw[key] as number) > 0)) problems.push(`${key} must be a positive integer, got ${String(raw[key])}`)
  }
  if (problems.length > 0) throw new RunLoadError(`${path}: ${problems.join('; ')}`)
  const data = raw.data as { train?: unknown } | undefined
  const dataPath = typeof data?.train === 'string' ? data.train : undefined
  return {
    backbone: raw.backbone as BackboneName,
    embeddingDim: raw.embeddingDim as number,
    inputSize: raw.inputSize as number,
    loss: typeof raw.loss === 'string' ? raw.loss : 'unknown',
    dataset: typeof raw.dataset === 'string' ? raw.dataset : dataPath ?? 'unknown',
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
    if (isFolder(final)) return { dir: final, label: 'final', note: `the run has no checkpoints/${choice}; used checkpoints/final` }
    throw new RunLoadError(`the run ${runDir} has neither checkpoints/${choice} nor checkpoints/final`)
  }
  const dir = isAbsolute(choice) ? choice : isFolder(join(runDir, choice)) ? join(runDir, choice) : resolve(choice)
  if (!isFolder(dir)) throw new RunLoadError(`checkpoint folder not found: ${choice}`)
  return { dir, label: basename(dir) }
}

interface ManifestEntry {
  name: string
  shape: number[]
  dtype: string
  offset: number
  length: number
}

/** Reads weights.bin + manifest.json, verifies the checksum and keeps the tensors `keep` accepts. */
export function readStoredWeights(dir: string, keep: (name: string) => boolean = () => true): StoredWeights {
  const manifestPath = join(dir, 'manifest.json')
  const manifest = readJson(manifestPath, 'checkpoint manifest') as { format?: unknown; sha256?: unknown; tensors?: unknown }
  if (manifest.format !== 'dsoftmax-weights/1' || typeof manifest.sha256 !== 'string' || !Array.isArray(manifest.tensors)) {
    throw new RunLoadError(`${manifestPath} is not a dsoftmax-weights/1 manifest`)
  }
  const binPath = join(dir, 'weights.bin')
  if (!existsSync(binPath)) throw new RunLoadError(`checkpoint weights not found: ${binPath}`)
  const bytes = readFileSync(binPath)
  const digest = sha256Hex(bytes)
  if (digest !== manifest.sha256) {
    throw new RunLoadError(`${binPath} is damaged: its sha256 is ${digest}, the manifest says ${manifest.sha256}`)
  }
  if (bytes.byteLength % 4 !== 0) throw new RunLoadError(`${binPath} is ${bytes.byteLength} bytes, not a whole number of float32 values`)
  // Copied into an aligned buffer; Buffer slices may start at any byte offset.
  const floats = float32FromLittleEndian(bytes)
  const tensors = new Map<string, WeightValue>()
  for (const entry of manifest.tensors as ManifestEntry[]) {
    if (!keep(entry.name)) continue
    const size = entry.shape.reduce((a, b) => a * b, 1)
    if (entry.dtype !== 'float32' || size !== entry.length || entry.offset < 0 || entry.offset + entry.length > floats.length) {
      throw new RunLoadError(`${manifestPath}: tensor ${entry.name} (shape [${entry.shape}], offset ${entry.offset}) does not fit weights.bin`)
    }
    tensors.set(entry.name, { shape: entry.shape, values: floats.slice(entry.offset, entry.offset + entry.length) })
  }
  return { sha256: digest, tensors }
}

const isBackboneTensor = (name: string): boolean => !name.startsWith('head/') && !name.startsWith('optimizer/')

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
