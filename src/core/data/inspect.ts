// `dataset inspect`: what a dataset holds and what is wrong with it, for any supported format.
// Folders reuse the cached index (header check + content hash per file, no decode); with
// `decode` every image is also fully decoded, which catches corruption past the headers.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeToInput } from './decode'
import { ExampleReader } from './exampleStore'
import { scanIdentityFolder } from './folderIndex'
import { checkImage, type ImageKind } from './imageInfo'
import { detectFormat, type DatasetFormat } from './open'
import { readEncodedPairs } from './pairSets'
import { indexRecordIO } from './recordioIndex'
import { contentHash } from '../util/hash'
import { FileProblemError } from './fileProblem'

export interface InspectReport {
  path: string
  format: DatasetFormat
  identities: number
  images: number
  /** Verification sets: pairs, and how many are same-identity pairs. */
  pairs?: { total: number; same: number }
  imagesPerIdentity: {
    min: number
    median: number
    max: number
    mean: number
    histogram: { bucket: string; identities: number }[]
  }
  /** Image sizes (width×height), most common first. */
  sizes: { size: string; images: number }[]
  kinds: Partial<Record<ImageKind, number>>
  /** RecordIO sets over SAMPLE_LIMIT images: image checks, sizes, kinds and duplicates come from a sample of this many. */
  sampled?: number
  problems: {
    unreadable: { path: string; problem: string }[]
    singleImageIdentities: string[]
    emptyIdentities: string[]
    duplicates: { hash: string; paths: string[] }[]
    /** Files that are not images, nested folders, files beside the identity folders. */
    ignored: number
    /** Entries that could not be followed: symlink loops, broken links, permissions. */
    other: { path: string; problem: string }[]
  }
  seconds: number
  /** Folder images whose index came from the cache rather than a read. */
  cached?: number
}

const SAMPLE_LIMIT = 100_000
const BUCKETS: [number, number][] = [
  [1, 1],
  [2, 2],
  [3, 5],
  [6, 10],
  [11, 20],
  [21, 50],
  [51, 100],
  [101, 200],
  [201, Infinity]
]

function perIdentity(counts: number[]): InspectReport['imagesPerIdentity'] {
  const sorted = [...counts].sort((a, b) => a - b)
  const n = sorted.length
  const histogram = BUCKETS.map(([lo, hi]) => ({
    bucket: lo === hi ? String(lo) : hi === Infinity ? `${lo}+` : `${lo}–${hi}`,
    identities: sorted.filter((c) => c >= lo && c <= hi).length
  })).filter((b) => b.identities > 0)
  return {
    min: n ? sorted[0] : 0,
    median: n ? (n % 2 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2) : 0,
    max: n ? sorted[n - 1] : 0,
    mean: n ? sorted.reduce((a, b) => a + b, 0) / n : 0,
    histogram
  }
}

interface Entry {
  path: string
  identity: string
  kind: ImageKind | null
  width: number
  height: number
  hash: string
  problem?: string
}

function summarise(path: string, format: DatasetFormat, entries: Entry[], identities: string[], started: number): InspectReport {
  const good = entries.filter((e) => !e.problem)
  const counts = new Map(identities.map((name) => [name, 0]))
  for (const e of good) counts.set(e.identity, (counts.get(e.identity) ?? 0) + 1)
  const sizes = new Map<string, number>()
  const kinds: InspectReport['kinds'] = {}
  const byHash = new Map<string, string[]>()
  for (const e of good) {
    const size = `${e.width}×${e.height}`
    sizes.set(size, (sizes.get(size) ?? 0) + 1)
    if (e.kind) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1
    const same = e.hash ? byHash.get(e.hash) : undefined
    if (same) same.push(e.path)
    else if (e.hash) byHash.set(e.hash, [e.path])
  }
  const nonEmpty = [...counts.entries()].filter(([, c]) => c > 0)
  return {
    path,
    format,
    identities: nonEmpty.length,
    images: good.length,
    imagesPerIdentity: perIdentity(nonEmpty.map(([, c]) => c)),
    sizes: [...sizes.entries()].sort((a, b) => b[1] - a[1]).map(([size, images]) => ({ size, images })),
    kinds,
    problems: {
      unreadable: entries.filter((e) => e.problem).map((e) => ({ path: e.path, problem: e.problem! })),
      singleImageIdentities: nonEmpty.filter(([, c]) => c === 1).map(([name]) => name),
      emptyIdentities: [...counts.entries()].filter(([, c]) => c === 0).map(([name]) => name),
      duplicates: [...byHash.entries()].filter(([, paths]) => paths.length > 1).map(([hash, paths]) => ({ hash, paths })),
      ignored: 0,
      other: []
    },
    seconds: (Date.now() - started) / 1000
  }
}

/** Fully decodes every usable entry (small output size: only readability matters), in parallel. */
async function decodeAll(entries: Entry[], load: (e: Entry) => Promise<Uint8Array>): Promise<void> {
  let next = 0
  const work = async (): Promise<void> => {
    while (next < entries.length) {
      const e = entries[next++]
      if (e.problem) continue
      try {
        await decodeToInput(await load(e), 8, 3, e.path)
      } catch (error) {
        e.problem = error instanceof Error ? error.message.replace(`${e.path}: `, '') : String(error)
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, work))
}

export interface InspectOptions {
  /** Decode every image fully (slower; finds corruption the header check cannot). */
  decode?: boolean
  cacheDir?: string | null
  imagesRoot?: string
}

/** Examines one record of a sample: header check and content hash, no decode. */
async function examineRecord(reader: ExampleReader, k: number, identity: string): Promise<Entry> {
  const path = reader.describe(k)
  let bytes: Uint8Array
  try {
    bytes = await reader.read(k)
  } catch (error) {
    return {
      path,
      identity,
      kind: null,
      width: 0,
      height: 0,
      hash: '',
      problem: error instanceof Error ? error.message : String(error)
    }
  }
  const check = checkImage(bytes)
  return check.ok
    ? { path, identity, ...check.info, hash: contentHash(bytes) }
    : { path, identity, kind: null, width: 0, height: 0, hash: contentHash(bytes), problem: check.problem }
}

/**
 * RecordIO: counts per identity come from the index (typed arrays, any size); image checks, sizes,
 * kinds and duplicates from at most SAMPLE_LIMIT records spread evenly over the file.
 */
async function inspectRecordIO(path: string, file: string, options: InspectOptions, started: number): Promise<InspectReport> {
  const index = indexRecordIO(file)
  const nameOf = (label: number): string => index.classNames?.[label] ?? String(label)
  const reader = new ExampleReader({ kind: 'recordio', recPath: file, offsets: index.offsets })
  try {
    const records = index.offsets.length
    const step = records > SAMPLE_LIMIT ? records / SAMPLE_LIMIT : 1
    const sample: Entry[] = []
    const sampled: number[] = []
    for (let s = 0; s * step < records && sample.length < SAMPLE_LIMIT; s++) {
      const k = Math.floor(s * step)
      sampled.push(k)
      sample.push(await examineRecord(reader, k, nameOf(index.labels[k])))
    }
    if (options.decode) {
      const position = new Map(sample.map((e, i) => [e, sampled[i]]))
      await decodeAll(sample, (e) => reader.read(position.get(e)!))
    }
    const report = summarise(path, 'recordio', sample, [], started)
    // Counts over every record: each sampled record that is unreadable counts as one image lost.
    const counts = new Int32Array(index.classes)
    for (let k = 0; k < records; k++) counts[index.labels[k]]++
    for (let i = 0; i < sample.length; i++) if (sample[i].problem) counts[index.labels[sampled[i]]]--
    const present: number[] = []
    const single: string[] = []
    const empty: string[] = []
    let images = 0
    counts.forEach((count, label) => {
      images += count
      if (count > 0) present.push(count)
      if (count === 1) single.push(nameOf(label))
      if (count === 0) empty.push(nameOf(label))
    })
    report.identities = present.length
    report.images = images
    report.imagesPerIdentity = perIdentity(present)
    report.problems.singleImageIdentities = single
    report.problems.emptyIdentities = empty
    report.problems.other = index.problems
    if (step > 1) report.sampled = sample.length
    report.seconds = (Date.now() - started) / 1000
    return report
  } finally {
    reader.close()
  }
}

export async function inspectDataset(path: string, options: InspectOptions = {}): Promise<InspectReport> {
  const started = Date.now()
  const { format, file } = detectFormat(path)
  if (format === 'folder') {
    const scan = await scanIdentityFolder(file, options.cacheDir ?? null)
    const entries: Entry[] = scan.images.map((image) => ({ ...image, path: join(file, image.path) }))
    if (options.decode) await decodeAll(entries, async (e) => new Uint8Array(await readFile(e.path)))
    const report = summarise(path, format, entries, scan.identities, started)
    report.problems.ignored = scan.ignored.length
    report.problems.other = scan.problems
    report.cached = scan.cached
    return report
  }
  if (format === 'recordio') return inspectRecordIO(path, file, options, started)
  const pairs = await readEncodedPairs(file, format, options.imagesRoot)
  const entries: Entry[] = []
  for (let i = 0; i < pairs.sources.length; i++) {
    const source = pairs.sources[i]
    const bytes = await pairs.load(i).catch((error: NodeJS.ErrnoException) => error)
    if (bytes instanceof Error) {
      entries.push({
        path: source,
        identity: '',
        kind: null,
        width: 0,
        height: 0,
        hash: '',
        problem: bytes.code === 'ENOENT' ? 'file not found' : bytes instanceof FileProblemError ? bytes.problem : bytes.message
      })
      continue
    }
    const check = checkImage(bytes)
    entries.push(
      check.ok
        ? { path: source, identity: '', ...check.info, hash: contentHash(bytes) }
        : { path: source, identity: '', kind: null, width: 0, height: 0, hash: contentHash(bytes), problem: check.problem }
    )
  }
  if (options.decode) {
    const position = new Map(entries.map((e, i) => [e, i]))
    await decodeAll(entries, (e) => pairs.load(position.get(e)!))
  }
  const report = summarise(path, format, entries, [], started)
  report.identities = 0
  report.imagesPerIdentity = perIdentity([])
  report.pairs = { total: pairs.pairs.length, same: pairs.pairs.filter((p) => p.same).length }
  // Duplicates inside a .bin are normal (an image in several pairs is stored once per pair).
  if (format === 'bin') report.problems.duplicates = []
  report.seconds = (Date.now() - started) / 1000
  return report
}
