// Tensor blobs of any size: weights.bin / state.bin beside a JSON manifest, written and read a
// chunk at a time through a file descriptor, so no step holds a whole blob (readFileSync refuses
// files over 2 GiB in Node 20, and a 1M × 512 centre store is 2 GiB a copy) and the checksum is
// computed while streaming.
//
// Format 2 (written): tensors back to back, each float32 or float16 little-endian, addressed in
// bytes. Format 1 (read only): float32 only, addressed in float counts.
import { createHash } from 'node:crypto'
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs'
import type { tf } from '../tf'
import { halfTable, toHalf } from '../losses/float16'

export const TENSOR_FORMAT = 'dsoftmax-weights/2'
export type StoredDtype = 'float32' | 'float16'

/** Values moved per read or write by default: 16 MiB of float32. */
export const DEFAULT_CHUNK_VALUES = 4 * 2 ** 20

export interface TensorEntry {
  name: string
  shape: number[]
  dtype: StoredDtype
  byteOffset: number
  byteLength: number
}

export interface TensorManifest {
  format: typeof TENSOR_FORMAT
  sha256: string
  byteLength: number
  tensors: TensorEntry[]
}

/** A tensor to write: its values come in consecutive float32 pieces of at most `maxValues`. */
export interface TensorSource {
  name: string
  shape: number[]
  /** How the values are stored (default float32). */
  dtype?: StoredDtype
  chunks(maxValues: number): AsyncIterable<Float32Array> | Iterable<Float32Array>
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1)
const bytesPerValue = (dtype: StoredDtype): number => (dtype === 'float16' ? 2 : 4)

/** A tf tensor as a source: read a slice of rows at a time with `await data()` (no synchronous read). */
export function tensorSource(
  name: string,
  tensor: tf.Tensor,
  slice: (tensor: tf.Tensor, start: number, rows: number) => tf.Tensor
): TensorSource {
  const shape = tensor.shape.slice()
  return {
    name,
    shape,
    async *chunks(maxValues) {
      const rows = shape.length === 0 ? 1 : shape[0]
      const rowValues = rows === 0 ? 0 : tensor.size / rows
      const perChunk = Math.max(1, Math.floor(maxValues / Math.max(1, rowValues)))
      if (shape.length === 0 || perChunk >= rows) {
        yield (await tensor.data()) as Float32Array
        return
      }
      for (let start = 0; start < rows; start += perChunk) {
        const part = slice(tensor, start, Math.min(perChunk, rows - start))
        try {
          yield (await part.data()) as Float32Array
        } finally {
          part.dispose()
        }
      }
    }
  }
}

/** Host values as a source. */
export function arraySource(name: string, values: Float32Array, shape: number[], dtype: StoredDtype = 'float32'): TensorSource {
  if (values.length !== sizeOf(shape)) throw new Error(`${name}: ${values.length} values do not fill shape [${shape.join(', ')}]`)
  return {
    name,
    shape,
    dtype,
    *chunks(maxValues) {
      for (let start = 0; start < values.length; start += maxValues)
        yield values.subarray(start, Math.min(values.length, start + maxValues))
    }
  }
}

function encode(values: Float32Array, dtype: StoredDtype): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const halves = new Uint16Array(values.length)
  for (let i = 0; i < values.length; i++) halves[i] = toHalf(values[i])
  return new Uint8Array(halves.buffer)
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done)
}

/** Writes the sources to `path` (fsynced) a chunk at a time; returns the manifest to store beside it. */
export async function writeTensorFile(
  path: string,
  sources: TensorSource[],
  chunkValues = DEFAULT_CHUNK_VALUES
): Promise<TensorManifest> {
  const hash = createHash('sha256')
  const tensors: TensorEntry[] = []
  const seen = new Set<string>()
  const fd = openSync(path, 'w')
  let offset = 0
  try {
    for (const source of sources) {
      if (seen.has(source.name)) throw new Error(`${path}: tensor ${source.name} given twice`)
      seen.add(source.name)
      const dtype = source.dtype ?? 'float32'
      const expected = sizeOf(source.shape)
      let written = 0
      for await (const piece of source.chunks(chunkValues)) {
        written += piece.length
        if (written > expected)
          throw new Error(
            `${path}: tensor ${source.name} gave more than the ${expected} values of shape [${source.shape.join(', ')}]`
          )
        const bytes = encode(piece, dtype)
        hash.update(bytes)
        writeAll(fd, bytes)
      }
      if (written !== expected)
        throw new Error(
          `${path}: tensor ${source.name} gave ${written} values, shape [${source.shape.join(', ')}] needs ${expected}`
        )
      const byteLength = expected * bytesPerValue(dtype)
      tensors.push({ name: source.name, shape: source.shape, dtype, byteOffset: offset, byteLength })
      offset += byteLength
    }
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return { format: TENSOR_FORMAT, sha256: hash.digest('hex'), byteLength: offset, tensors }
}

interface LegacyManifest {
  format: 'dsoftmax-weights/1'
  sha256: string
  tensors: { name: string; shape: number[]; dtype: 'float32'; offset: number; length: number }[]
}

/** A manifest.json/state.json of either format, checked and brought to format 2's byte addressing. */
export function readTensorManifest(manifestPath: string): TensorManifest {
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} is missing`)
  let raw: Partial<TensorManifest | LegacyManifest>
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<TensorManifest | LegacyManifest>
  } catch (error) {
    throw new Error(`${manifestPath} is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  if (typeof raw.sha256 !== 'string' || !Array.isArray(raw.tensors))
    throw new Error(`${manifestPath}: not a tensor manifest (no sha256 or tensor list)`)
  let tensors: TensorEntry[]
  if (raw.format === 'dsoftmax-weights/1') {
    tensors = (raw as LegacyManifest).tensors.map((t) => ({
      name: t.name,
      shape: t.shape,
      dtype: 'float32',
      byteOffset: 4 * t.offset,
      byteLength: 4 * t.length
    }))
  } else if (raw.format === TENSOR_FORMAT) tensors = (raw as TensorManifest).tensors
  else
    throw new Error(
      `${manifestPath}: unknown tensor format "${String(raw.format)}" (this version reads dsoftmax-weights/1 and /2)`
    )
  let end = 0
  for (const t of tensors) {
    const fits =
      typeof t.name === 'string' &&
      Array.isArray(t.shape) &&
      t.shape.every((n) => Number.isInteger(n) && n >= 0) &&
      (t.dtype === 'float32' || t.dtype === 'float16') &&
      Number.isInteger(t.byteOffset) &&
      t.byteOffset >= 0 &&
      t.byteLength === sizeOf(t.shape) * bytesPerValue(t.dtype)
    if (!fits)
      throw new Error(
        `${manifestPath}: tensor ${String(t.name)} has an impossible entry (shape [${String(t.shape)}], ${String(t.dtype)}, ${String(t.byteLength)} bytes at ${String(t.byteOffset)})`
      )
    end = Math.max(end, t.byteOffset + t.byteLength)
  }
  const byteLength = raw.format === TENSOR_FORMAT ? (raw as TensorManifest).byteLength : end
  if (!(Number.isInteger(byteLength) && byteLength >= end))
    throw new Error(`${manifestPath}: byte length ${String(byteLength)} does not cover its tensors (${end} bytes)`)
  return { format: TENSOR_FORMAT, sha256: raw.sha256, byteLength, tensors }
}

/**
 * A tensor file opened for reading: its length and checksum are verified on open by streaming it
 * once; tensors are then read whole (get) or a range of rows at a time (readRows). Implements
 * ReadonlyMap so callers that want whole arrays by name can use it as one.
 */
export class TensorFileReader implements ReadonlyMap<string, Float32Array> {
  readonly manifest: TensorManifest
  private readonly byName: Map<string, TensorEntry>

  constructor(
    readonly binPath: string,
    readonly manifestPath: string,
    private readonly chunkValues = DEFAULT_CHUNK_VALUES
  ) {
    this.manifest = readTensorManifest(manifestPath)
    this.byName = new Map(this.manifest.tensors.map((t) => [t.name, t]))
    if (!existsSync(binPath)) throw new Error(`${binPath} is missing`)
    this.verify()
  }

  get size(): number {
    return this.byName.size
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  entry(name: string): TensorEntry | undefined {
    return this.byName.get(name)
  }

  /** The whole tensor as float32 (float16 decoded); undefined when absent. */
  get(name: string): Float32Array | undefined {
    const entry = this.byName.get(name)
    if (!entry) return undefined
    const rows = entry.shape.length === 0 ? 1 : entry.shape[0]
    return this.readRows(name, 0, rows)
  }

  /** Rows [start, start + count) of a tensor (its first axis), as float32. */
  readRows(name: string, start: number, count: number): Float32Array {
    const entry = this.byName.get(name)
    if (!entry) throw new Error(`${this.binPath} has no tensor ${name}`)
    const rows = entry.shape.length === 0 ? 1 : entry.shape[0]
    if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= rows)) {
      throw new Error(`${this.binPath}: rows ${start}..${start + count} are outside tensor ${name}'s ${rows}`)
    }
    const rowValues = rows === 0 ? 0 : sizeOf(entry.shape) / rows
    const width = bytesPerValue(entry.dtype)
    const out = new Float32Array(count * rowValues)
    const fd = openSync(this.binPath, 'r')
    try {
      const stepValues = Math.max(1, this.chunkValues)
      const scratch = new Uint8Array(Math.min(out.length, stepValues) * width)
      const decode = entry.dtype === 'float16' ? halfTable() : null
      for (let done = 0; done < out.length;) {
        const n = Math.min(stepValues, out.length - done)
        const bytes = scratch.subarray(0, n * width)
        readFully(fd, bytes, entry.byteOffset + (start * rowValues + done) * width, this.binPath)
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        if (decode) for (let i = 0; i < n; i++) out[done + i] = decode[view.getUint16(2 * i, true)]
        else for (let i = 0; i < n; i++) out[done + i] = view.getFloat32(4 * i, true)
        done += n
      }
    } finally {
      closeSync(fd)
    }
    return out
  }

  /** Calls `visit` with consecutive row blocks of at most `maxValues` values (at least one row each). */
  forEachRows(name: string, maxValues: number, visit: (start: number, values: Float32Array) => void): void {
    const entry = this.byName.get(name)
    if (!entry) throw new Error(`${this.binPath} has no tensor ${name}`)
    const rows = entry.shape.length === 0 ? 1 : entry.shape[0]
    const rowValues = rows === 0 ? 0 : sizeOf(entry.shape) / rows
    const perBlock = Math.max(1, Math.floor(maxValues / Math.max(1, rowValues)))
    for (let start = 0; start < rows; start += perBlock)
      visit(start, this.readRows(name, start, Math.min(perBlock, rows - start)))
  }

  keys(): MapIterator<string> {
    return this.byName.keys()
  }

  *entries(): MapIterator<[string, Float32Array]> {
    for (const name of this.byName.keys()) yield [name, this.get(name) as Float32Array]
  }

  *values(): MapIterator<Float32Array> {
    for (const name of this.byName.keys()) yield this.get(name) as Float32Array
  }

  [Symbol.iterator](): MapIterator<[string, Float32Array]> {
    return this.entries()
  }

  forEach(visit: (value: Float32Array, key: string, map: ReadonlyMap<string, Float32Array>) => void): void {
    for (const [name, values] of this.entries()) visit(values, name, this)
  }

  /** Length against the manifest, then the sha256 of the whole file, a chunk at a time. */
  private verify(): void {
    const fd = openSync(this.binPath, 'r')
    try {
      const size = fstatSync(fd).size
      if (size !== this.manifest.byteLength) {
        throw new Error(`${this.binPath} is truncated or padded: ${size} bytes, the manifest lists ${this.manifest.byteLength}`)
      }
      const hash = createHash('sha256')
      const buffer = new Uint8Array(Math.min(size, 4 * this.chunkValues) || 1)
      for (let position = 0; position < size;) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position)
        if (n <= 0) throw new Error(`${this.binPath}: read stopped at byte ${position} of ${size}`)
        hash.update(buffer.subarray(0, n))
        position += n
      }
      const digest = hash.digest('hex')
      if (digest !== this.manifest.sha256)
        throw new Error(
          `${this.binPath} is damaged: its sha256 is ${digest}, the manifest says ${this.manifest.sha256} (${this.manifestPath})`
        )
    } finally {
      closeSync(fd)
    }
  }
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done)
    if (n <= 0) throw new Error(`${path}: ended at byte ${position + done}, inside a tensor`)
    done += n
  }
}
