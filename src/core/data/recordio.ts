// insightface / MXNet RecordIO (DESIGN §4): `.rec` records read at random through the `.idx`
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

/** Parses `.idx` text: `key<TAB>offset` per line. */
export function parseIndex(text: string, idxPath: string): Map<number, number> {
  const offsets = new Map<number, number>()
  text.split('\n').forEach((line, n) => {
    if (line.trim() === '') return
    const [key, offset] = line.trim().split(/\s+/).map(Number)
    if (!Number.isInteger(key) || !Number.isInteger(offset) || offset < 0) {
      throw new RecordIOError(idxPath, `line ${n + 1} is not "index<TAB>offset": ${JSON.stringify(line.slice(0, 60))}`)
    }
    offsets.set(key, offset)
  })
  return offsets
}

export function unpackHeader(record: Uint8Array, source: string): { header: IRHeader; image: Uint8Array } {
  if (record.length < IR_HEADER_BYTES) throw new RecordIOError(source, `record of ${record.length} bytes is shorter than its 24-byte header`)
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength)
  const flag = view.getUint32(0, true)
  const extra = flag * 4
  if (record.length < IR_HEADER_BYTES + extra) throw new RecordIOError(source, `record header announces ${flag} labels but the record is too short`)
  const label = flag > 0 ? Array.from({ length: flag }, (_, i) => view.getFloat32(IR_HEADER_BYTES + 4 * i, true)) : [view.getFloat32(4, true)]
  const header = { flag, label, id: Number(view.getBigUint64(8, true)), id2: Number(view.getBigUint64(16, true)) }
  return { header, image: record.subarray(IR_HEADER_BYTES + extra) }
}

export function packHeader(header: IRHeader): Uint8Array {
  const flag = header.label.length > 1 ? header.label.length : 0
  const out = new Uint8Array(IR_HEADER_BYTES + flag * 4)
  const view = new DataView(out.buffer)
  view.setUint32(0, flag, true)
  view.setFloat32(4, flag ? 0 : header.label[0] ?? 0, true)
  view.setBigUint64(8, BigInt(header.id), true)
  view.setBigUint64(16, BigInt(header.id2), true)
  header.label.forEach((v, i) => flag && view.setFloat32(IR_HEADER_BYTES + 4 * i, v, true))
  return out
}

/** Random access to a .rec file by byte offset. Holds one file descriptor. */
export class RecordFile {
  private readonly fd: number
  private readonly word = new Uint8Array(8)

  constructor(
    readonly path: string,
    readonly size: number
  ) {
    this.fd = openSync(path, 'r')
  }

  private readExact(length: number, position: number, what: string): Uint8Array {
    const out = new Uint8Array(length)
    const got = readSync(this.fd, out, 0, length, position)
    if (got < length) throw new RecordIOError(this.path, `truncated: ${what} at byte ${position} needs ${length} bytes, the file ends after ${got}`)
    return out
  }

  /** The record payload starting at `offset` (multi-part records joined as MXNet writes them). */
  read(offset: number): Uint8Array {
    if (offset >= this.size) throw new RecordIOError(this.path, `the index points at byte ${offset}, past the end of the file (${this.size} bytes)`)
    const parts: Uint8Array[] = []
    let position = offset
    for (;;) {
      const got = readSync(this.fd, this.word, 0, 8, position)
      if (got < 8) throw new RecordIOError(this.path, `truncated: record at byte ${position} is cut inside its length word`)
      const view = new DataView(this.word.buffer)
      if (view.getUint32(0, true) !== RECORD_MAGIC) throw new RecordIOError(this.path, `no record at byte ${position} (bad magic number): wrong .idx or corrupt file`)
      const lrec = view.getUint32(4, true)
      const flag = lrec >>> 29
      const length = lrec & LENGTH_MASK
      parts.push(this.readExact(length, position + 8, 'record data'))
      position += 8 + Math.ceil(length / 4) * 4
      if (flag === 0 || flag === 3) break
      if (position >= this.size) throw new RecordIOError(this.path, `truncated: multi-part record at byte ${offset} is missing its end`)
    }
    if (parts.length === 1) return parts[0]
    // Parts were split where the payload held the magic word; put it back between them.
    const magic = new Uint8Array(4)
    new DataView(magic.buffer).setUint32(0, RECORD_MAGIC, true)
    const joined = parts.flatMap((part, i) => (i === 0 ? [part] : [magic, part]))
    return concatBytes(joined)
  }

  /** Length in bytes of the whole record at `offset` (length word and padding included). */
  span(offset: number): number {
    const word = this.readExact(8, offset, 'record length word')
    const view = new DataView(word.buffer)
    return 8 + Math.ceil((view.getUint32(4, true) & LENGTH_MASK) / 4) * 4
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
