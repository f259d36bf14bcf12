// Indexes an insightface .rec/.idx pair: image records and their identity labels, from the header
// record and the per-identity range records (or, without them, from each image's own header).
// Everything per record lives in typed arrays, so millions of records cost bytes each, and every
// count the file claims (identity range, label) is checked against the index before it is used.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { firstLabel, IR_HEADER_BYTES, indexPathFor, type IRHeader, RecordFile, RecordIOError, unpackHeader } from './recordio'
import { readRecordKeys, type RecordKeys } from './recordioKeys'

export interface RecordIOIndex {
  recPath: string
  idxPath: string
  classes: number
  /** Byte offset of each usable image record, grouped by identity (shared: worker threads read it without a copy). */
  offsets: Float64Array
  /** Class of each usable image record, 0 … classes-1. */
  labels: Int32Array
  /** The name of each class when it is not its number: the labels a plain .rec used, when they have gaps. */
  classNames: string[] | null
  /** `classes,height,width` from the `property` file, when there is one. */
  property: { classes: number; height: number; width: number } | null
  problems: { path: string; problem: string }[]
}

/** Problems kept one by one; past this many only counted (a cut 6M-record file has millions). */
const MAX_LISTED_PROBLEMS = 1000
/** Header bytes of an identity record: the IRHeader and its two labels (start, end). */
const RANGE_RECORD_HEAD = IR_HEADER_BYTES + 8
/** The largest label a plain .rec may use: labels become Int32Array entries. */
const MAX_LABEL = 2 ** 31 - 1

class ProblemList {
  readonly listed: { path: string; problem: string }[] = []
  private unlisted = 0
  constructor(private readonly path: string) {}
  add(problem: string): void {
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push({ path: this.path, problem })
    else this.unlisted++
  }
  all(): { path: string; problem: string }[] {
    return this.unlisted
      ? [...this.listed, { path: this.path, problem: `… and ${this.unlisted} more records with problems` }]
      : this.listed
  }
}

function readProperty(recPath: string): RecordIOIndex['property'] {
  const file = join(dirname(recPath), 'property')
  if (!existsSync(file)) return null
  const [classes, height, width] = readFileSync(file, 'utf8').trim().split(',').map(Number)
  return [classes, height, width].every((n) => Number.isInteger(n) && n > 0) ? { classes, height, width } : null
}

/** A float from a record header that must be a whole number in [min, max]; null otherwise. */
function wholeIn(value: number | undefined, min: number, max: number): number | null {
  return value !== undefined && Number.isInteger(value) && value >= min && value <= max ? value : null
}

/**
 * Which records are complete: a record ends where the next offset begins, so only the last record
 * (or one whose successor lies past the end of a cut file) needs its length words read.
 */
function completeness(keys: RecordKeys, file: RecordFile, size: number): (offset: number) => boolean {
  // Offsets usually ascend with the keys (every writer appends); only otherwise is a sorted copy needed.
  let ascending = true
  for (let i = 1; i < keys.offsets.length && ascending; i++) ascending = keys.offsets[i] > keys.offsets[i - 1]
  const sorted = ascending ? keys.offsets : Float64Array.from(keys.offsets).sort()
  return (offset) => {
    if (offset >= size) return false
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sorted[mid] <= offset) lo = mid + 1
      else hi = mid
    }
    if (lo < sorted.length && sorted[lo] <= size) return true
    try {
      return file.end(offset) <= size
    } catch {
      return false // cut inside a length word, or not a record at all
    }
  }
}

/** Usable image records and their labels, grown without a JS value per record. */
class ImageList {
  offsets: Float64Array
  labels: Int32Array
  length = 0
  constructor(capacity: number) {
    this.offsets = new Float64Array(Math.max(1, capacity))
    this.labels = new Int32Array(Math.max(1, capacity))
  }
  push(offset: number, label: number): void {
    this.offsets[this.length] = offset
    this.labels[this.length++] = label
  }
  /** The offsets in shared memory (loader workers get them without a copy) and the labels, trimmed. */
  take(): { offsets: Float64Array; labels: Int32Array } {
    const offsets = new Float64Array(new SharedArrayBuffer(this.length * Float64Array.BYTES_PER_ELEMENT))
    offsets.set(this.offsets.subarray(0, this.length))
    return { offsets, labels: this.labels.slice(0, this.length) }
  }
}

interface Reading {
  recPath: string
  idxPath: string
  keys: RecordKeys
  file: RecordFile
  size: number
  complete: (offset: number) => boolean
  problems: ProblemList
}

/** The offset of `key` when its record is there and whole; otherwise records why and returns -1. */
function usableOffset(r: Reading, key: number, what: string): number {
  const offset = r.keys.offsetOf(key)
  if (offset < 0) r.problems.add(`${what}: record ${key} is not in the index`)
  else if (offset >= r.size)
    r.problems.add(`${what}: ${r.idxPath} points record ${key} at byte ${offset}, past the end of the .rec (${r.size} bytes)`)
  else if (!r.complete(offset))
    r.problems.add(`${what}: record ${key} at byte ${offset} is cut off: the .rec ends at byte ${r.size}`)
  else return offset
  return -1
}

/** The label of the image record at `offset` from its own header; null (and a problem) when unusable. */
function ownLabel(r: Reading, key: number, offset: number, max: number): number | null {
  let label: number | undefined
  try {
    label = firstLabel(r.file.readHead(offset, IR_HEADER_BYTES + 4), `${r.recPath} record ${key}`)
  } catch (error) {
    r.problems.add(error instanceof Error ? error.message : String(error))
    return null
  }
  const whole = wholeIn(label, 0, max)
  if (whole === null) r.problems.add(`record ${key}: label ${label} is not a whole number in 0…${max}`)
  return whole
}

/**
 * insightface layout: record 0 holds (first identity record, end); records 1 … first-1 are images;
 * each identity record holds its images' key range [start, end). Images take their identity's
 * number as label; an image in no range keeps its own label when that names an identity.
 */
function indexWithRanges(r: Reading, identityStart: number, identityEnd: number): { images: ImageList; classes: number } {
  const imageKeys = identityStart - 1
  const classes = identityEnd - identityStart
  // Every identity record and every image key has an index line, so neither count can exceed it.
  if (imageKeys > r.keys.count || classes > r.keys.count) {
    throw new RecordIOError(
      r.recPath,
      `header record 0 declares ${imageKeys} image records and ${classes} identity records (keys ${identityStart}…${identityEnd - 1}), but ${r.idxPath} lists only ${r.keys.count} record${r.keys.count === 1 ? '' : 's'}`
    )
  }
  const identityOfKey = new Int32Array(identityStart).fill(-1)
  for (let identity = 0; identity < classes; identity++) {
    const key = identityStart + identity
    const what = `identity ${identity}`
    const offset = usableOffset(r, key, what)
    if (offset < 0) continue
    let label: number[]
    try {
      label = unpackHeader(r.file.readHead(offset, RANGE_RECORD_HEAD), `${r.recPath} record ${key}`).header.label
    } catch (error) {
      r.problems.add(`${what}: ${error instanceof Error ? error.message : String(error)}`)
      continue
    }
    const start = wholeIn(label[0], 1, imageKeys + 1)
    const end = start === null ? null : wholeIn(label[1] ?? label[0], start, imageKeys + 1)
    if (start === null || end === null) {
      r.problems.add(
        `${what}: record ${key} holds the range (${label.join(', ')}), not image keys within 1…${imageKeys}: left out`
      )
      continue
    }
    let overlap = -1
    for (let k = start; k < end && overlap < 0; k++) if (identityOfKey[k] >= 0) overlap = k
    if (overlap >= 0) {
      r.problems.add(
        `${what}: its range [${start}, ${end}) overlaps identity ${identityOfKey[overlap]}'s at key ${overlap}: left out`
      )
      continue
    }
    identityOfKey.fill(identity, start, end)
  }
  const images = new ImageList(imageKeys)
  for (let key = 1; key <= imageKeys; key++) {
    const offset = usableOffset(r, key, `image ${key}`)
    if (offset < 0) continue
    const identity = identityOfKey[key] >= 0 ? identityOfKey[key] : ownLabel(r, key, offset, classes - 1)
    if (identity !== null) images.push(offset, identity)
  }
  return { images, classes }
}

/**
 * im2rec's plain layout: every record is an image labelled by its own header. Classes are the
 * labels in use, so a label of 10^8 on one image makes one class named "100000000", not 10^8.
 */
function indexPlain(r: Reading): { images: ImageList; classes: number; classNames: string[] | null } {
  const images = new ImageList(r.keys.count)
  for (let i = 0; i < r.keys.count; i++) {
    const key = r.keys.keys[i]
    const offset = usableOffset(r, key, `image ${key}`)
    if (offset < 0) continue
    const label = ownLabel(r, key, offset, MAX_LABEL)
    if (label !== null) images.push(offset, label)
  }
  const used = Int32Array.from(images.labels.subarray(0, images.length)).sort()
  let distinct = 0
  for (let i = 0; i < used.length; i++) if (i === 0 || used[i] !== used[i - 1]) used[distinct++] = used[i]
  const names = used.subarray(0, distinct)
  if (distinct === 0 || names[distinct - 1] === distinct - 1) return { images, classes: distinct, classNames: null }
  // Labels with gaps: number the classes densely, keep the file's labels as their names.
  for (let i = 0; i < images.length; i++) {
    const label = images.labels[i]
    let lo = 0
    let hi = distinct
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (names[mid] < label) lo = mid + 1
      else hi = mid
    }
    images.labels[i] = lo
  }
  return { images, classes: distinct, classNames: Array.from(names, String) }
}

/** Record 0's header when it can be read; an unreadable record 0 is then reported as an image. */
function headerRecord(r: Reading): IRHeader | null {
  const offset = r.keys.offsetOf(0)
  if (offset < 0 || !r.complete(offset)) return null
  try {
    return unpackHeader(r.file.readHead(offset, RANGE_RECORD_HEAD), `${r.recPath} record 0`).header
  } catch {
    return null
  }
}

export function indexRecordIO(recPath: string, options: { maxRecordBytes?: number } = {}): RecordIOIndex {
  const idxPath = indexPathFor(recPath)
  if (!existsSync(recPath)) throw new RecordIOError(recPath, 'file not found')
  if (!existsSync(idxPath)) throw new RecordIOError(idxPath, 'index file not found (a .rec needs its .idx beside it)')
  const size = statSync(recPath).size
  // Every record is a length word and an IRHeader at least: that bounds the lines the .idx may have.
  const keys = readRecordKeys(idxPath, Math.floor(size / (8 + IR_HEADER_BYTES)) + 1)
  const file = new RecordFile(recPath, size, options.maxRecordBytes)
  const problems = new ProblemList(recPath)
  try {
    const r: Reading = { recPath, idxPath, keys, file, size, complete: completeness(keys, file, size), problems }
    const first = headerRecord(r)
    let result: { images: ImageList; classes: number; classNames: string[] | null }
    if (first && first.flag > 0) {
      const identityStart = wholeIn(first.label[0], 1, Number.MAX_SAFE_INTEGER)
      const identityEnd = identityStart === null ? null : wholeIn(first.label[1], identityStart, Number.MAX_SAFE_INTEGER)
      if (identityStart === null || identityEnd === null) {
        throw new RecordIOError(recPath, `header record 0 holds (${first.label.join(', ')}), not (first identity record, end)`)
      }
      result = { ...indexWithRanges(r, identityStart, identityEnd), classNames: null }
    } else {
      result = indexPlain(r)
    }
    const { offsets, labels } = result.images.take()
    if (offsets.length === 0) {
      const first = problems.listed[0]
      throw new RecordIOError(
        recPath,
        `no readable image records${first ? ` (the first problem: ${first.problem.replace(`${recPath}: `, '')})` : ''}`
      )
    }
    return {
      recPath,
      idxPath,
      classes: result.classes,
      offsets,
      labels,
      classNames: result.classNames,
      property: readProperty(recPath),
      problems: problems.all()
    }
  } finally {
    file.close()
  }
}
