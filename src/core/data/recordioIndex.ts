// Indexes an insightface .rec/.idx pair: image records and their identity labels, from the header
// record and the per-identity range records (or, without them, from each image's own header).
// Records the .idx points past the end of a cut .rec are reported, not read.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { indexPathFor, parseIndex, RecordFile, RecordIOError, unpackHeader } from './recordio'

export interface RecordIOIndex {
  recPath: string
  idxPath: string
  classes: number
  /** Byte offset of each usable image record, grouped by identity. */
  offsets: number[]
  labels: Int32Array
  /** `classes,height,width` from the `property` file, when there is one. */
  property: { classes: number; height: number; width: number } | null
  problems: { path: string; problem: string }[]
}

function readProperty(recPath: string): RecordIOIndex['property'] {
  const file = join(dirname(recPath), 'property')
  if (!existsSync(file)) return null
  const [classes, height, width] = readFileSync(file, 'utf8').trim().split(',').map(Number)
  return [classes, height, width].every((n) => Number.isInteger(n) && n > 0) ? { classes, height, width } : null
}

export function indexRecordIO(recPath: string): RecordIOIndex {
  const idxPath = indexPathFor(recPath)
  if (!existsSync(recPath)) throw new RecordIOError(recPath, 'file not found')
  if (!existsSync(idxPath)) throw new RecordIOError(idxPath, 'index file not found (a .rec needs its .idx beside it)')
  const size = statSync(recPath).size
  const keyOffsets = parseIndex(readFileSync(idxPath, 'utf8'), idxPath)
  if (keyOffsets.size === 0) throw new RecordIOError(idxPath, 'the index is empty')
  const problems: RecordIOIndex['problems'] = []
  const file = new RecordFile(recPath, size)
  try {
    // Records whose bytes run past the end of the .rec (a cut file) are unusable; only the records
    // at the end need reading, the others end where the next one starts.
    const sorted = [...keyOffsets.values()].sort((a, b) => a - b)
    const complete = new Set<number>()
    sorted.forEach((offset, i) => {
      const next = sorted[i + 1]
      if (offset >= size) return
      if (next !== undefined && next <= size && next > offset) complete.add(offset)
      else {
        try {
          if (offset + file.span(offset) <= size) complete.add(offset)
        } catch {
          // cut inside the length word: incomplete
        }
      }
    })
    const usable = (key: number): string | null => {
      const offset = keyOffsets.get(key)
      if (offset === undefined) return `record ${key} is not in the index`
      if (offset >= size) return `${idxPath} points record ${key} at byte ${offset}, past the end of the .rec (${size} bytes)`
      if (!complete.has(offset)) return `record ${key} at byte ${offset} is cut off: the .rec ends at byte ${size}`
      return null
    }

    const first = keyOffsets.has(0) ? unpackHeader(file.read(keyOffsets.get(0)!), `${recPath} record 0`).header : null
    const ranges: [number, number][] = []
    let imageKeys: number[]
    if (first && first.flag > 0) {
      const [identityStart, identityEnd] = first.label.map(Math.round)
      if (!(identityStart >= 1 && identityEnd >= identityStart)) {
        throw new RecordIOError(recPath, `header record holds (${first.label.join(', ')}), not (first identity record, end)`)
      }
      imageKeys = Array.from({ length: identityStart - 1 }, (_, i) => i + 1)
      for (let key = identityStart; key < identityEnd; key++) {
        const problem = usable(key)
        if (problem) {
          problems.push({ path: recPath, problem: `identity ${key - identityStart}: ${problem}` })
          ranges.push([0, 0])
          continue
        }
        const { header } = unpackHeader(file.read(keyOffsets.get(key)!), `${recPath} record ${key}`)
        ranges.push([Math.round(header.label[0]), Math.round(header.label[1] ?? header.label[0])])
      }
    } else {
      // No header record: every indexed record is an image labelled by its own header.
      imageKeys = [...keyOffsets.keys()].sort((a, b) => a - b)
    }

    const offsets: number[] = []
    const labels: number[] = []
    const rangeLabel = new Map<number, number>()
    ranges.forEach(([start, end], identity) => {
      for (let k = start; k < end; k++) rangeLabel.set(k, identity)
    })
    for (const key of imageKeys) {
      const problem = usable(key)
      if (problem) {
        problems.push({ path: recPath, problem })
        continue
      }
      let label = rangeLabel.get(key)
      if (label === undefined) {
        try {
          label = Math.round(unpackHeader(file.read(keyOffsets.get(key)!), `${recPath} record ${key}`).header.label[0])
        } catch (error) {
          problems.push({ path: recPath, problem: error instanceof Error ? error.message : String(error) })
          continue
        }
      }
      offsets.push(keyOffsets.get(key)!)
      labels.push(label)
    }
    if (offsets.length === 0) throw new RecordIOError(recPath, 'no readable image records')
    const classes = Math.max(ranges.length, ...labels.map((l) => l + 1))
    return { recPath, idxPath, classes, offsets, labels: Int32Array.from(labels), property: readProperty(recPath), problems }
  } finally {
    file.close()
  }
}
