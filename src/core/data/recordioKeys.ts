// The `.idx` of a RecordIO pair (`key<TAB>offset` per line) read in chunks into two typed arrays
// sorted by key: millions of lines cost 16 bytes each, never one JS object or string per line.
import { closeSync, openSync, readSync } from 'node:fs'
import { RecordIOError } from './recordio'

const CHUNK_BYTES = 1 << 20
const TAB = 9
const LF = 10
const CR = 13
const SPACE = 32
const ZERO = 48
/** How much of a bad line its error message quotes. */
const SHOWN_BYTES = 60

export class RecordKeys {
  /**
   * @param keys ascending, no repeats
   * @param offsets byte offset of the record with keys[i]
   */
  constructor(
    readonly keys: Float64Array,
    readonly offsets: Float64Array
  ) {}

  get count(): number {
    return this.keys.length
  }

  /** The byte offset of the record with `key`, or -1 when the index has no such key. */
  offsetOf(key: number): number {
    const keys = this.keys
    // insightface and im2rec number records 0…n-1: then the key is its own position.
    if (key < keys.length && keys[key] === key) return this.offsets[key]
    let lo = 0
    let hi = keys.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (keys[mid] === key) return this.offsets[mid]
      if (keys[mid] < key) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }
}

/** A growable Float64Array (doubling), so a line costs no JS allocation. */
class Float64List {
  values = new Float64Array(1024)
  length = 0
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.length++] = value
  }
  take(): Float64Array {
    return this.values.slice(0, this.length)
  }
}

/** Orders (key, offset) pairs by key and refuses a key given twice. */
function sortByKey(keys: Float64Array, offsets: Float64Array, idxPath: string): RecordKeys {
  let ascending = true
  for (let i = 1; i < keys.length && ascending; i++) ascending = keys[i] > keys[i - 1]
  if (!ascending) {
    const order = Int32Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b)
    const sortedKeys = Float64Array.from(order, (i) => keys[i])
    const sortedOffsets = Float64Array.from(order, (i) => offsets[i])
    for (let i = 1; i < sortedKeys.length; i++) {
      if (sortedKeys[i] === sortedKeys[i - 1])
        throw new RecordIOError(idxPath, `key ${sortedKeys[i]} is listed twice (lines ${order[i - 1] + 1} and ${order[i] + 1})`)
    }
    return new RecordKeys(sortedKeys, sortedOffsets)
  }
  return new RecordKeys(keys, offsets)
}

/**
 * Reads `idxPath`. Each non-blank line is two whole numbers ≥ 0 separated by a tab or spaces;
 * anything else is refused with its line number and text. More lines than `maxRecords` (what the
 * .rec can hold) are refused as soon as they are read, so a huge .idx cannot fill memory.
 */
export function readRecordKeys(idxPath: string, maxRecords = Number.MAX_SAFE_INTEGER): RecordKeys {
  const keys = new Float64List()
  const offsets = new Float64List()
  const fd = openSync(idxPath, 'r')
  const chunk = new Uint8Array(CHUNK_BYTES)
  // The line in progress: numbers completed (key, offset), the one being read, and its first bytes
  // (for the error message).
  let line = 1
  let done = 0
  let inNumber = false
  let value = 0
  let key = 0
  let offset = 0
  let bad = false
  const shown = new Uint8Array(SHOWN_BYTES)
  let shownLength = 0
  const finishNumber = (): void => {
    if (done === 0) key = value
    else offset = value
    done++
    inNumber = false
    value = 0
  }
  const endLine = (): void => {
    if (inNumber) finishNumber()
    if (done === 0 && !bad) return // blank line
    if (bad || done !== 2) {
      const text = new TextDecoder().decode(shown.subarray(0, shownLength))
      throw new RecordIOError(idxPath, `line ${line} is not "index<TAB>offset": ${JSON.stringify(text)}`)
    }
    if (keys.length >= maxRecords)
      throw new RecordIOError(idxPath, `lists more than ${maxRecords} records, more than its .rec can hold`)
    keys.push(key)
    offsets.push(offset)
  }
  try {
    let position = 0
    for (;;) {
      const got = readSync(fd, chunk, 0, CHUNK_BYTES, position)
      if (got === 0) break
      position += got
      for (let i = 0; i < got; i++) {
        const byte = chunk[i]
        if (byte === LF) {
          endLine()
          line++
          done = 0
          value = 0
          inNumber = false
          bad = false
          shownLength = 0
          continue
        }
        if (shownLength < SHOWN_BYTES) shown[shownLength++] = byte
        if (byte >= ZERO && byte <= ZERO + 9) {
          if (done === 2) bad = true
          value = value * 10 + (byte - ZERO)
          inNumber = true
          if (value > Number.MAX_SAFE_INTEGER) bad = true
        } else if (byte === TAB || byte === SPACE || byte === CR) {
          if (inNumber) finishNumber()
        } else bad = true
      }
    }
    endLine()
  } finally {
    closeSync(fd)
  }
  if (keys.length === 0) throw new RecordIOError(idxPath, 'the index is empty')
  return sortByKey(keys.take(), offsets.take(), idxPath)
}
