// Checkpoints of a run: runs/<id>/checkpoints/step-<n>/, each a whole directory written under a
// temporary name and renamed into place, so a crash never leaves a half-written one under its
// real name. Inside:
//   weights.bin + manifest.json   the model (backbone params incl. batch-norm statistics,
//                                 head/centres, head/bias) in the saveWeights format, sha256 checked
//   state.bin + state.json        optimizer state tensors, same format
//   checkpoint.json               step, loader position, optimizer/RNG scalars, lr back-off, best metric,
//                                 and the sha256 of the two blobs; written last
// `last/` and `best/` are hard-linked copies (plain directories a reader opens like any other);
// the newest `keep` step directories are kept.
import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../util/hash'
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { fsyncDirectory, writeFileSynced } from '../util/atomicWrite'
import type { NamedArray, NamedTensor, OptimizerState } from './optimizer'

export const CHECKPOINT_FORMAT = 'dsoftmax-checkpoint/1'

export interface TensorManifest {
  format: 'dsoftmax-weights/1'
  sha256: string
  tensors: { name: string; shape: number[]; dtype: 'float32'; offset: number; length: number }[]
}

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
  weights: Map<string, Float32Array>
  state: Map<string, Float32Array>
}

export interface SkippedCheckpoint {
  name: string
  reason: string
}

/** One float32 blob and its manifest (the saveWeights format). */
export function encodeTensors(tensors: (NamedTensor | NamedArray)[]): { bytes: Uint8Array; manifest: TensorManifest } {
  const arrays = tensors.map((t) => ('tensor' in t ? { name: t.name, values: t.tensor.dataSync() as Float32Array, shape: t.tensor.shape } : t))
  const total = arrays.reduce((n, t) => n + t.values.length, 0)
  const blob = new Float32Array(total)
  const entries: TensorManifest['tensors'] = []
  let offset = 0
  for (const { name, values, shape } of arrays) {
    blob.set(values, offset)
    entries.push({ name, shape, dtype: 'float32', offset, length: values.length })
    offset += values.length
  }
  const bytes = new Uint8Array(blob.buffer)
  return { bytes, manifest: { format: 'dsoftmax-weights/1', sha256: sha256Hex(bytes), tensors: entries } }
}

/** Reads a blob written by encodeTensors, checking its length and checksum; errors name the file. */
export function readTensorFile(binPath: string, manifestPath: string): Map<string, Float32Array> {
  const manifest = readJson<TensorManifest>(manifestPath)
  if (manifest.format !== 'dsoftmax-weights/1' || !Array.isArray(manifest.tensors)) throw new Error(`${manifestPath}: not a dsoftmax-weights/1 manifest`)
  if (!existsSync(binPath)) throw new Error(`${binPath} is missing`)
  const bytes = readFileSync(binPath)
  const floats = manifest.tensors.reduce((n, t) => n + t.length, 0)
  if (bytes.byteLength !== 4 * floats) throw new Error(`${binPath} is truncated or padded: ${bytes.byteLength} bytes, the manifest lists ${4 * floats}`)
  if (sha256Hex(bytes) !== manifest.sha256) throw new Error(`${binPath} does not match its checksum (sha256 in ${manifestPath})`)
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  return new Map(manifest.tensors.map((t) => [t.name, all.subarray(t.offset, t.offset + t.length)]))
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
  weights: NamedTensor[]
  state: OptimizerState
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
    private readonly keep = 3
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
  write(content: CheckpointContent): string {
    mkdirSync(this.dir, { recursive: true })
    const name = stepDirName(content.step)
    const temp = join(this.dir, `.tmp-${name}-${randomBytes(4).toString('hex')}`)
    mkdirSync(temp)
    try {
      const weights = encodeTensors(content.weights)
      const state = encodeTensors(content.state.tensors)
      writeFileSynced(join(temp, 'weights.bin'), weights.bytes)
      writeFileSynced(join(temp, 'manifest.json'), JSON.stringify(weights.manifest, null, 2) + '\n')
      writeFileSynced(join(temp, 'state.bin'), state.bytes)
      writeFileSynced(join(temp, 'state.json'), JSON.stringify(state.manifest, null, 2) + '\n')
      const { weights: _w, state: _s, ...meta } = content
      const file: CheckpointFile = {
        format: CHECKPOINT_FORMAT,
        createdAt: new Date().toISOString(),
        ...meta,
        scalars: content.state.scalars,
        files: { 'weights.bin': weights.manifest.sha256, 'state.bin': state.manifest.sha256 }
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
    if (meta.format !== CHECKPOINT_FORMAT) throw new Error(`${join(dir, 'checkpoint.json')}: unknown format "${String(meta.format)}"`)
    if (!(Number.isInteger(meta.step) && Number.isInteger(meta.position))) throw new Error(`${join(dir, 'checkpoint.json')}: step or loader position missing`)
    const weights = readTensorFile(join(dir, 'weights.bin'), join(dir, 'manifest.json'))
    const state = readTensorFile(join(dir, 'state.bin'), join(dir, 'state.json'))
    const manifestSum = readJson<TensorManifest>(join(dir, 'manifest.json')).sha256
    if (manifestSum !== meta.files['weights.bin']) throw new Error(`${join(dir, 'manifest.json')} belongs to another checkpoint than ${join(dir, 'checkpoint.json')}`)
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
        if (entry.startsWith(`.${alias}-`) && entry !== generation && entry !== previous) rmSync(join(this.dir, entry), { recursive: true, force: true })
      }
    }
    fsyncDirectory(this.dir)
  }

  private prune(): void {
    for (const name of this.stepNames().slice(this.keep)) rmSync(join(this.dir, name), { recursive: true, force: true })
    // Leftovers of an interrupted write.
    for (const name of readdirSync(this.dir)) if (name.startsWith('.tmp-') || name.startsWith('.old-')) rmSync(join(this.dir, name), { recursive: true, force: true })
  }
}
