// insightface / MXNet RecordIO: `.rec` records read at random through the `.idx`
// offsets, one positional read per record, never the whole file; and a writer for the other way.
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync, type PathLike } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { concatBytes } from '../util/bytes'
import { FileProblemError } from './fileProblem'

export const RECORD_MAGIC = 0xced7230a
const LENGTH_MASK = (1 << 29) - 1
/** IRHeader: flag uint32, label float32, id uint64, id2 uint64. */
export const IR_HEADER_BYTES = 24

export interface IRHeader {
  flag: number
  /** The label(s): one value when flag is 0, `flag` values otherwise. */
  label: number[]
  id: number
  id2: number
}

/** A problem in a .rec/.idx pair, naming the file and the record. */
export class RecordIOError extends FileProblemError {
  override name = 'RecordIOError'
}

/** `train.rec` → `train.idx` beside it. */
export function indexPathFor(recPath: string): string {
  return join(dirname(recPath), basename(recPath).replace(/\.rec$/i, '') + '.idx')
}

export function unpackHeader(record: Uint8Array, source: string): { header: IRHeader; image: Uint8Array } {
  if (record.length < IR_HEADER_BYTES)
    throw new RecordIOError(source, `record of ${record.length} bytes is shorter than its 24-byte header`)
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength)
  const flag = view.getUint32(0, true)
  const extra = flag * 4
  if (record.length < IR_HEADER_BYTES + extra)
    throw new RecordIOError(source, `record header announces ${flag} labels but the record is too short`)
  const label =
    flag > 0 ? Array.from({ length: flag }, (_, i) => view.getFloat32(IR_HEADER_BYTES + 4 * i, true)) : [view.getFloat32(4, true)]
  const header = { flag, label, id: Number(view.getBigUint64(8, true)), id2: Number(view.getBigUint64(16, true)) }
  return { header, image: record.subarray(IR_HEADER_BYTES + extra) }
}

/**
 * The first label of a record from its first bytes (IRHeader plus one label): the class of a plain
 * image record, whose further labels (landmarks, boxes) are not needed to index it.
 */
export function firstLabel(head: Uint8Array, source: string): number {
  if (head.length < IR_HEADER_BYTES)
    throw new RecordIOError(source, `record of ${head.length} bytes is shorter than its 24-byte header`)
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  if (view.getUint32(0, true) === 0) return view.getFloat32(4, true)
  if (head.length < IR_HEADER_BYTES + 4)
    throw new RecordIOError(source, 'record header announces labels but the record ends before the first')
  return view.getFloat32(IR_HEADER_BYTES, true)
}

export function packHeader(header: IRHeader): Uint8Array {
  const flag = header.label.length > 1 ? header.label.length : 0
  const out = new Uint8Array(IR_HEADER_BYTES + flag * 4)
  const view = new DataView(out.buffer)
  view.setUint32(0, flag, true)
  view.setFloat32(4, flag ? 0 : (header.label[0] ?? 0), true)
  view.setBigUint64(8, BigInt(header.id), true)
  view.setBigUint64(16, BigInt(header.id2), true)
  header.label.forEach((v, i) => flag && view.setFloat32(IR_HEADER_BYTES + 4 * i, v, true))
  return out
}

/**
 * The most bytes one record may hold (all parts together). An image record is a few kilobytes; the
 * bound keeps a corrupt length word from costing more than this much memory.
 */
export const MAX_RECORD_BYTES = 64 * 2 ** 20

/** Random access to a .rec file by byte offset. Holds one file descriptor. */
export class RecordFile {
  private readonly fd: number
  private readonly word = new Uint8Array(8)
  private readonly wordView = new DataView(this.word.buffer)
  private readonly window = new Uint8Array(2 ** 20)
  private windowStart = 0
  private windowLength = 0

  constructor(
    readonly path: string,
    readonly size: number,
    /** Records longer than this are refused before anything is allocated for them. */
    readonly maxRecordBytes = MAX_RECORD_BYTES
  ) {
    this.fd = openSync(path, 'r')
  }

  /** The length word at `position`: the part's flag and length, checked against the file. */
  private part(position: number, start: number): { flag: number; length: number } {
    const got = readSync(this.fd, this.word, 0, 8, position)
    if (got < 8) throw new RecordIOError(this.path, `truncated: record at byte ${position} is cut inside its length word`)
    if (this.wordView.getUint32(0, true) !== RECORD_MAGIC)
      throw new RecordIOError(this.path, `no record at byte ${position} (bad magic number): wrong .idx or corrupt file`)
    const lrec = this.wordView.getUint32(4, true)
    const length = lrec & LENGTH_MASK
    // Checked before any buffer is allocated: a length word is only a claim.
    const left = this.size - position - 8
    if (length > left)
      throw new RecordIOError(
        this.path,
        `truncated: record at byte ${start} declares ${length} bytes at byte ${position + 8}, but the file holds only ${left} more`
      )
    return { flag: lrec >>> 29, length }
  }

  private readExact(length: number, position: number): Uint8Array {
    const out = new Uint8Array(length)
    const got = readSync(this.fd, out, 0, length, position)
    if (got < length)
      throw new RecordIOError(
        this.path,
        `truncated: record data at byte ${position} needs ${length} bytes, the file ends after ${got}`
      )
    return out
  }

  /** The record payload starting at `offset` (multi-part records joined as MXNet writes them). */
  read(offset: number): Uint8Array {
    if (offset >= this.size)
      throw new RecordIOError(this.path, `the index points at byte ${offset}, past the end of the file (${this.size} bytes)`)
    const parts: Uint8Array[] = []
    let total = 0
    let position = offset
    for (;;) {
      const { flag, length } = this.part(position, offset)
      if (parts.length > 0 && flag !== 2 && flag !== 3)
        throw new RecordIOError(
          this.path,
          `multi-part record at byte ${offset}: the part at byte ${position} has flag ${flag}, not a continuation (2 or 3)`
        )
      if (parts.length === 0 && flag > 1)
        throw new RecordIOError(
          this.path,
          `record at byte ${offset} starts with a continuation part (flag ${flag}): wrong .idx or corrupt file`
        )
      total += length + (parts.length > 0 ? 4 : 0)
      if (total > this.maxRecordBytes)
        throw new RecordIOError(
          this.path,
          `record at byte ${offset} is over ${this.maxRecordBytes} bytes (${parts.length + 1} parts so far): not an image record`
        )
      parts.push(this.readExact(length, position + 8))
      position += 8 + Math.ceil(length / 4) * 4
      if (flag === 0 || flag === 3) break
      if (position >= this.size)
        throw new RecordIOError(this.path, `truncated: multi-part record at byte ${offset} is missing its end`)
    }
    if (parts.length === 1) return parts[0]
    // Parts were split where the payload held the magic word; put it back between them.
    const magic = new Uint8Array(4)
    new DataView(magic.buffer).setUint32(0, RECORD_MAGIC, true)
    const joined = parts.flatMap((part, i) => (i === 0 ? [part] : [magic, part]))
    return concatBytes(joined)
  }

  /**
   * The first `bytes` of the record's payload, for headers: one small read when the first part
   * holds them (always, for image and identity records), else the whole record.
   */
  readHead(offset: number, bytes: number): Uint8Array {
    if (offset >= this.size)
      throw new RecordIOError(this.path, `the index points at byte ${offset}, past the end of the file (${this.size} bytes)`)
    const window = this.windowAt(offset, 8 + bytes)
    if (window && window.view.getUint32(0, true) === RECORD_MAGIC) {
      const lrec = window.view.getUint32(4, true)
      const length = lrec & LENGTH_MASK
      if (lrec >>> 29 === 0 && length <= this.size - offset - 8) return window.bytes.slice(8, 8 + Math.min(length, bytes))
    }
    // Multi-part, cut or not a record: the careful path says what is wrong.
    const { flag, length } = this.part(offset, offset)
    if (flag === 0) return this.readExact(Math.min(length, bytes), offset + 8)
    return this.read(offset).subarray(0, bytes)
  }

  /**
   * `length` bytes at `offset` from a read-ahead window (1 MiB), so headers read in file order
   * cost one system call per window rather than two per record; null near the end of the file.
   */
  private windowAt(offset: number, length: number): { bytes: Uint8Array; view: DataView } | null {
    if (offset + length > this.size) return null
    if (offset < this.windowStart || offset + length > this.windowStart + this.windowLength) {
      this.windowLength = readSync(this.fd, this.window, 0, Math.min(this.window.length, this.size - offset), offset)
      this.windowStart = offset
      if (offset + length > offset + this.windowLength) return null
    }
    const at = offset - this.windowStart
    const bytes = this.window.subarray(at, at + length)
    return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
  }

  /** Byte offset just past the record at `offset` (all its parts and padding). */
  end(offset: number): number {
    let position = offset
    for (;;) {
      const { flag, length } = this.part(position, offset)
      position += 8 + Math.ceil(length / 4) * 4
      if (flag === 0 || flag === 3 || position >= this.size) return position
      if (position - offset > this.maxRecordBytes)
        throw new RecordIOError(this.path, `record at byte ${offset} is over ${this.maxRecordBytes} bytes: not an image record`)
    }
  }

  close(): void {
    closeSync(this.fd)
  }
}

/** Splits a payload where the magic word sits at a 4-byte-aligned position (MXNet's rule). */
function splitAtMagic(payload: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = []
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  let start = 0
  for (let i = 0; i + 4 <= payload.length; i += 4) {
    if (view.getUint32(i, true) === RECORD_MAGIC) {
      parts.push(payload.subarray(start, i))
      start = i + 4
    }
  }
  parts.push(payload.subarray(start))
  return parts
}

/** Writes a .rec/.idx pair to temporary files and renames both into place on finish(). */
export class RecordIOWriter {
  private readonly tempRec: string
  private readonly tempIdx: string
  private readonly rec: number
  private readonly idx: number
  private offset = 0

  constructor(readonly recPath: PathLike & string) {
    const tag = randomBytes(4).toString('hex')
    this.tempRec = join(dirname(recPath), `.${basename(recPath)}.${tag}.tmp`)
    this.tempIdx = join(dirname(recPath), `.${basename(indexPathFor(recPath))}.${tag}.tmp`)
    this.rec = openSync(this.tempRec, 'w')
    this.idx = openSync(this.tempIdx, 'w')
  }

  write(key: number, header: IRHeader, image: Uint8Array = new Uint8Array(0)): void {
    const head = packHeader(header)
    const payload = new Uint8Array(head.length + image.length)
    payload.set(head)
    payload.set(image, head.length)
    writeSync(this.idx, `${key}\t${this.offset}\n`)
    const parts = splitAtMagic(payload)
    parts.forEach((part, i) => {
      const flag = parts.length === 1 ? 0 : i === 0 ? 1 : i === parts.length - 1 ? 3 : 2
      const word = new Uint8Array(8)
      const view = new DataView(word.buffer)
      view.setUint32(0, RECORD_MAGIC, true)
      view.setUint32(4, ((flag << 29) | part.length) >>> 0, true)
      const padded = Math.ceil(part.length / 4) * 4
      writeSync(this.rec, word)
      writeSync(this.rec, part)
      if (padded > part.length) writeSync(this.rec, new Uint8Array(padded - part.length))
      this.offset += 8 + padded
    })
  }

  finish(): void {
    for (const fd of [this.rec, this.idx]) {
      fsyncSync(fd)
      closeSync(fd)
    }
    renameSync(this.tempRec, this.recPath)
    renameSync(this.tempIdx, indexPathFor(this.recPath))
  }

  abort(): void {
    for (const fd of [this.rec, this.idx]) {
      try {
        closeSync(fd)
      } catch {
        // already closed
      }
    }
    rmSync(this.tempRec, { force: true })
    rmSync(this.tempIdx, { force: true })
  }
}
