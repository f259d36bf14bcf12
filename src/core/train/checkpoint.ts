// Checkpoints of a run: runs/<id>/checkpoints/step-<n>/, each a whole directory written under a
// temporary name and renamed into place, so a crash never leaves a half-written one under its
// real name. Inside:
//   weights.bin + manifest.json   the model (backbone params incl. batch-norm statistics,
//                                 head/centres, head/bias) in the tensor-file format (tensorFile.ts)
//   state.bin + state.json        optimizer state tensors, same format
//   checkpoint.json               step, loader position, optimizer/RNG scalars, lr back-off, best metric,
//                                 and the sha256 of the two blobs; written last
// Blobs are written and read a chunk at a time (no 2 GiB limit, no whole-file buffer); a sparse
// centre store is streamed a block of rows at a time, in its own precision (float16 stays float16).
// Checkpoints of format dsoftmax-weights/1 (float32 only) are still read.
// `last/` and `best/` are hard-linked copies (plain directories a reader opens like any other);
// the newest `keep` step directories are kept.
import { randomBytes } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  type Stats
} from 'node:fs'
import { join } from 'node:path'
import { tf } from '../tf'
import { fsyncDirectory, writeFileSynced } from '../util/atomicWrite'
import type { CentreStore } from '../losses'
import type { NamedArray, NamedTensor } from './optimizer'
import {
  DEFAULT_CHUNK_VALUES,
  TensorFileReader,
  arraySource,
  tensorSource,
  writeTensorFile,
  type TensorManifest,
  type TensorSource
} from './tensorFile'

export type { TensorManifest } from './tensorFile'

export const CHECKPOINT_FORMAT = 'dsoftmax-checkpoint/1'

/** Anything a checkpoint stores as a tensor: a tf tensor, host values, or a streamed source. */
export type CheckpointTensor = NamedTensor | NamedArray | TensorSource

/** Run state beyond the tensors, needed to continue exactly where the run was. */
export interface CheckpointMeta {
  /** Steps done. */
  step: number
  /** Position of the next batch in the batch stream. */
  position: number
  /** Learning-rate multiplier from automatic back-offs (1 = none). */
  lrScale: number
  backoffs: number
  /** Best validation so far (value of the chosen metric, step it was reached at). */
  best?: { metric: string; value: number; step: number }
  /** Validation metrics measured at this step, when it was a validation step. */
  metrics?: Record<string, number>
}

export interface CheckpointFile extends CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT
  createdAt: string
  scalars: Record<string, number>
  files: { 'weights.bin': string; 'state.bin': string }
}

export interface LoadedCheckpoint {
  name: string
  dir: string
  meta: CheckpointFile
  /** Verified on open; tensors are read when asked for, whole (get) or by rows (readRows). */
  weights: TensorFileReader
  state: TensorFileReader
}

export interface SkippedCheckpoint {
  name: string
  reason: string
}

/** Rows [start, start + rows) of a tensor along its first axis. */
const sliceRows = (tensor: tf.Tensor, start: number, rows: number): tf.Tensor => tf.slice(tensor, start, rows)

/** Any checkpoint tensor as a streamed source. */
export function toTensorSource(t: CheckpointTensor): TensorSource {
  if ('tensor' in t) return tensorSource(t.name, t.tensor, sliceRows)
  if ('values' in t) return arraySource(t.name, t.values, t.shape)
  return t
}

/** The shape of a checkpoint tensor. */
export function shapeOf(t: CheckpointTensor): number[] {
  return 'tensor' in t ? t.tensor.shape.slice() : t.shape
}

/** Every value of a checkpoint tensor in one array: for small ones (a test, a 3-D study's centres). */
export async function checkpointValues(t: CheckpointTensor): Promise<Float32Array> {
  const source = toTensorSource(t)
  const out = new Float32Array(shapeOf(t).reduce((a, b) => a * b, 1))
  let offset = 0
  for await (const piece of source.chunks(DEFAULT_CHUNK_VALUES)) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}

/** Writes `binPath` and returns the manifest to store beside it; `chunkValues` bounds every buffer. */
export function writeTensors(
  binPath: string,
  tensors: CheckpointTensor[],
  chunkValues = DEFAULT_CHUNK_VALUES
): Promise<TensorManifest> {
  return writeTensorFile(binPath, tensors.map(toTensorSource), chunkValues)
}

/** Opens a blob written by writeTensors (or a format-1 one), verifying its length and checksum; errors name the file. */
export function readTensorFile(binPath: string, manifestPath: string, chunkValues = DEFAULT_CHUNK_VALUES): TensorFileReader {
  return new TensorFileReader(binPath, manifestPath, chunkValues)
}

/**
 * Loads a sparse store's centres or momentum from checkpoint tensors: a block of rows at a time
 * from a tensor file, or whole from a plain map (what data-parallel workers are sent).
 */
export function restoreStoreRows(
  store: CentreStore,
  what: 'centres' | 'momentum',
  tensors: ReadonlyMap<string, Float32Array>,
  name: string
): void {
  const expected = store.classes * store.dim
  if (tensors instanceof TensorFileReader) {
    const entry = tensors.entry(name)
    if (!entry) throw new Error(`the checkpoint has no weight "${name}"`)
    const size = entry.shape.reduce((a, b) => a * b, 1)
    if (size !== expected) throw new Error(`checkpoint weight "${name}" has ${size} values, the model ${expected}`)
    tensors.forEachRows(name, DEFAULT_CHUNK_VALUES, (start, values) => store.loadRows(what, start, values))
    return
  }
  const flat = tensors.get(name)
  if (!flat) throw new Error(`the checkpoint has no weight "${name}"`)
  if (flat.length !== expected) throw new Error(`checkpoint weight "${name}" has ${flat.length} values, the model ${expected}`)
  store.loadRows(what, 0, flat)
}

function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new Error(`${path} is missing`)
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
}

export const stepDirName = (step: number): string => `step-${String(step).padStart(8, '0')}`
const STEP_DIR = /^step-(\d{8,})$/
/** The step of a step directory's name (NaN for last/, best/…). */
export const stepOfName = (name: string): number => Number(STEP_DIR.exec(name)?.[1] ?? NaN)

export interface CheckpointContent extends CheckpointMeta {
  weights: CheckpointTensor[]
  state: { tensors: CheckpointTensor[]; scalars: Record<string, number> }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}

export class CheckpointStore {
  constructor(
    readonly dir: string,
    private readonly keep = 3,
    /** Values per read or write: the most any buffer of a checkpoint holds (smaller in tests). */
    private readonly chunkValues = DEFAULT_CHUNK_VALUES
  ) {}

  /** Step directories, newest first. */
  stepNames(): string[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir)
      .filter((name) => STEP_DIR.test(name))
      .sort()
      .reverse()
  }

  /** Writes step-<n>/ whole, updates last/, prunes old steps. Returns the directory. */
  async write(content: CheckpointContent): Promise<string> {
    mkdirSync(this.dir, { recursive: true })
    const name = stepDirName(content.step)
    const temp = join(this.dir, `.tmp-${name}-${randomBytes(4).toString('hex')}`)
    mkdirSync(temp)
    try {
      const weights = await writeTensors(join(temp, 'weights.bin'), content.weights, this.chunkValues)
      writeFileSynced(join(temp, 'manifest.json'), JSON.stringify(weights, null, 2) + '\n')
      const state = await writeTensors(join(temp, 'state.bin'), content.state.tensors, this.chunkValues)
      writeFileSynced(join(temp, 'state.json'), JSON.stringify(state, null, 2) + '\n')
      const { weights: _w, state: _s, ...meta } = content
      const file: CheckpointFile = {
        format: CHECKPOINT_FORMAT,
        createdAt: new Date().toISOString(),
        ...meta,
        scalars: content.state.scalars,
        files: { 'weights.bin': weights.sha256, 'state.bin': state.sha256 }
      }
      writeFileSynced(join(temp, 'checkpoint.json'), JSON.stringify(file, null, 2) + '\n')
      const target = join(this.dir, name)
      // A step rewritten after a back-off replaces the old directory of the same step.
      if (existsSync(target)) rmSync(target, { recursive: true, force: true })
      renameSync(temp, target)
      fsyncDirectory(this.dir)
    } catch (error) {
      rmSync(temp, { recursive: true, force: true })
      throw error
    }
    this.publish(name, 'last')
    this.prune()
    return join(this.dir, name)
  }

  /** Makes step `name` the best checkpoint (best/). */
  markBest(name: string): void {
    this.publish(name, 'best')
  }

  /** Reads and verifies one checkpoint directory (a step name, 'last' or 'best'). */
  load(name: string): LoadedCheckpoint {
    const dir = join(this.dir, name)
    const meta = readJson<CheckpointFile>(join(dir, 'checkpoint.json'))
    if (meta.format !== CHECKPOINT_FORMAT)
      throw new Error(`${join(dir, 'checkpoint.json')}: unknown format "${String(meta.format)}"`)
    if (!(Number.isInteger(meta.step) && Number.isInteger(meta.position)))
      throw new Error(`${join(dir, 'checkpoint.json')}: step or loader position missing`)
    const weights = readTensorFile(join(dir, 'weights.bin'), join(dir, 'manifest.json'), this.chunkValues)
    const state = readTensorFile(join(dir, 'state.bin'), join(dir, 'state.json'), this.chunkValues)
    if (weights.manifest.sha256 !== meta.files['weights.bin'] || state.manifest.sha256 !== meta.files['state.bin']) {
      throw new Error(
        `${join(dir, 'manifest.json')} or state.json belongs to another checkpoint than ${join(dir, 'checkpoint.json')}`
      )
    }
    return { name, dir, meta, weights, state }
  }

  /**
   * The newest checkpoint that reads back intact. Corrupt or truncated ones are skipped and
   * returned with the reason, so the caller can say so.
   */
  latest(): { checkpoint: LoadedCheckpoint | null; skipped: SkippedCheckpoint[] } {
    const skipped: SkippedCheckpoint[] = []
    for (const name of this.stepNames()) {
      try {
        return { checkpoint: this.load(name), skipped }
      } catch (error) {
        skipped.push({ name, reason: error instanceof Error ? error.message : String(error) })
      }
    }
    return { checkpoint: null, skipped }
  }

  /**
   * Points alias/ (last, best) at step `name`'s files without a moment in which alias/ is
   * missing. The files are hard-linked (copied where links fail) into a generation folder
   * `.<alias>-<random>/`; on POSIX alias/ is a relative symlink to it, replaced by renaming a
   * new link over it (rename is atomic). The generation before stays until the next publish, so
   * a reader that resolved the old link can finish. Windows cannot rename over a folder or a
   * junction: there alias/ is a real folder swapped by two renames.
   */
  private publish(name: string, alias: 'last' | 'best'): void {
    const source = join(this.dir, name)
    const generation = `.${alias}-${randomBytes(4).toString('hex')}`
    const staged = join(this.dir, generation)
    mkdirSync(staged)
    for (const file of readdirSync(source)) {
      try {
        linkSync(join(source, file), join(staged, file))
      } catch {
        copyFileSync(join(source, file), join(staged, file))
      }
    }
    const target = join(this.dir, alias)
    const current = lstatOrNull(target)
    if (process.platform === 'win32' || (current !== null && !current.isSymbolicLink())) {
      // Windows, or a real alias folder written before aliases were links: swap by renames.
      const old = join(this.dir, `.old-${alias}-${randomBytes(4).toString('hex')}`)
      if (current) renameSync(target, old)
      renameSync(staged, target)
      rmSync(old, { recursive: true, force: true })
    } else {
      const previous = current ? readlinkSync(target) : null
      const link = join(this.dir, `.tmp-${alias}-link-${randomBytes(4).toString('hex')}`)
      symlinkSync(generation, link, 'dir')
      renameSync(link, target)
      for (const entry of readdirSync(this.dir)) {
        if (entry.startsWith(`.${alias}-`) && entry !== generation && entry !== previous)
          rmSync(join(this.dir, entry), { recursive: true, force: true })
      }
    }
    fsyncDirectory(this.dir)
  }

  private prune(): void {
    for (const name of this.stepNames().slice(this.keep)) rmSync(join(this.dir, name), { recursive: true, force: true })
    // Leftovers of an interrupted write.
    for (const name of readdirSync(this.dir))
      if (name.startsWith('.tmp-') || name.startsWith('.old-')) rmSync(join(this.dir, name), { recursive: true, force: true })
  }
}
