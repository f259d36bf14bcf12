// Verification sets into memory: insightface .bin pickles, LFW pairs.txt over an identity folder,
// and `path1,path2,label` CSV lists. Every image is decoded up front to the model's input as
// uint8 (PairSet.images.write is synchronous), so a 12k-image LFW costs 12k·h·w·c bytes.
import { existsSync } from 'node:fs'
import { basename, dirname, isAbsolute, join } from 'node:path'
import { drawAugmentation, writeAugmented } from './augment'
import { decodeToInput } from './decode'
import type { ImageSource, PairSet, VerificationPair } from './imageSets'
import { unpickle, type PickleValue } from './pickle'
import {
  MAX_BIN_BYTES,
  MAX_IMAGE_FILE_BYTES,
  MAX_PAIR_LIST_BYTES,
  readRegularFile,
  refusedPath,
  UserFileError
} from './userFiles'

export interface PairSetOptions {
  inputSize: number
  channels: 1 | 3
  /** Folder the pair list's image paths are relative to (default: the list's own folder). */
  imagesRoot?: string
}

/** Encoded verification images with their pairs, before decoding (also what the .bin writer takes). */
export interface EncodedPairs {
  /** Where each image comes from, for messages. */
  sources: string[]
  load(index: number): Promise<Uint8Array>
  pairs: VerificationPair[]
}

const DECODE_CONCURRENCY = 16

/** Images held as uint8 model inputs; `write` scales to [-1, 1] and applies mirror/augmentation. */
export function memoryImageSource(pixels: Uint8Array, size: number, channels: 1 | 3): ImageSource {
  const per = size * size * channels
  return {
    shape: [size, size, channels],
    count: pixels.length / per,
    write(index, out, offset, options = {}) {
      const draw = drawAugmentation(options.augment, options.rng, options.mirror === true)
      writeAugmented(pixels.subarray(index * per, (index + 1) * per), size, channels, out, offset, draw)
    }
  }
}

function sameLabel(text: string): boolean | null {
  const t = text.trim().toLowerCase()
  if (['1', 'true', 'same', 'yes', 'match'].includes(t)) return true
  if (['0', 'false', 'diff', 'different', 'no', 'mismatch', '-1'].includes(t)) return false
  return null
}

/** The most pairs a verification set may hold (the public sets hold 3–7 thousand). */
export const MAX_VERIFICATION_PAIRS = 1_000_000
/** The most bytes of decoded model inputs a verification set may take in memory. */
export const MAX_PAIR_SET_BYTES = 2 ** 32 - 1

/**
 * insightface .bin: pickle of (bins, issame_list), pair i = images 2i and 2i+1. An image object
 * the pickle references more than once (its memo) is one image here, so a small file that
 * references one image millions of times is hashed and decoded once, not millions of times.
 */
export async function readVerificationBin(file: string): Promise<EncodedPairs> {
  const value = unpickle(await readRegularFile(file, MAX_BIN_BYTES), file)
  const shape = (v: PickleValue): string =>
    Array.isArray(v) ? `a sequence of ${v.length}` : v instanceof Uint8Array ? `${v.length} bytes` : typeof v
  const wrong = (why: string): Error =>
    new Error(`${file}: not a verification .bin: expected a pickle of (bins, issame_list) with 2·N images for N pairs; ${why}`)
  if (!Array.isArray(value) || value.length < 2) throw wrong(`found ${shape(value)}`)
  const [bins, issame] = value
  if (!Array.isArray(bins) || !bins.every((b) => b instanceof Uint8Array))
    throw wrong('its first element is not a list of encoded images')
  if (!Array.isArray(issame)) throw wrong(`its second element is ${shape(issame)}, not a list of booleans`)
  const flags = issame.map((v) => (typeof v === 'boolean' ? v : v === 0 || v === 1 ? v === 1 : null))
  if (flags.some((f) => f === null)) throw wrong('issame_list holds values other than booleans')
  if (bins.length !== 2 * issame.length) throw wrong(`it holds ${bins.length} images for ${issame.length} pairs`)
  if (issame.length > MAX_VERIFICATION_PAIRS)
    throw wrong(`it holds ${issame.length} pairs, more than the ${MAX_VERIFICATION_PAIRS} this app reads`)
  const distinct = new Map<Uint8Array, number>()
  const images: Uint8Array[] = []
  const sources: string[] = []
  const slot = (k: number): number => {
    const bin = bins[k] as Uint8Array
    let at = distinct.get(bin)
    if (at === undefined) {
      at = images.length
      distinct.set(bin, at)
      images.push(bin)
      sources.push(`${file} image ${k}`)
    }
    return at
  }
  return {
    sources,
    load: async (i) => images[i],
    pairs: flags.map((same, i) => ({ a: slot(2 * i), b: slot(2 * i + 1), same: same === true }))
  }
}

/** Paths to image indices, each distinct path once. */
function pathTable(): { add(path: string): number; paths: string[] } {
  const index = new Map<string, number>()
  const paths: string[] = []
  return {
    paths,
    add(path) {
      let i = index.get(path)
      if (i === undefined) {
        i = paths.length
        index.set(path, i)
        paths.push(path)
      }
      return i
    }
  }
}

function filePairs(table: ReturnType<typeof pathTable>, pairs: VerificationPair[]): EncodedPairs {
  return { sources: table.paths, load: (i) => readRegularFile(table.paths[i], MAX_IMAGE_FILE_BYTES), pairs }
}

/** A pair list's text: a regular file of a sane size, read as UTF-8. */
async function readPairList(file: string): Promise<string[]> {
  return new TextDecoder().decode(await readRegularFile(file, MAX_PAIR_LIST_BYTES)).split(/\r?\n/)
}

/** Refuses a list whose pairs exceed the cap, naming the file. */
function checkPairCount(file: string, pairs: VerificationPair[]): void {
  if (pairs.length > MAX_VERIFICATION_PAIRS)
    throw new Error(`${file}: ${pairs.length} pairs, more than the ${MAX_VERIFICATION_PAIRS} this app reads`)
}

/** LFW's `name/name_0001.jpg`, or the same stem with another image extension when that exists. */
function lfwImage(root: string, name: string, number: number): string {
  const stem = join(root, name, `${name}_${String(number).padStart(4, '0')}`)
  for (const ext of ['.jpg', '.png', '.jpeg', '.webp', '.bmp']) if (existsSync(stem + ext)) return stem + ext
  return stem + '.jpg'
}

/**
 * Where the identity folders of a pairs.txt are: beside it, or in the `lfw` folder the LFW
 * downloads unpack to (or its funneled variants), whichever holds the first pair's name.
 */
function lfwRoot(dir: string, lines: string[]): string {
  const name = lines.map((l) => l.trim().split(/\s+/)).find((f) => f.length === 3 || f.length === 4)?.[0]
  if (!name) return dir
  const candidates = [
    dir,
    ...['lfw', 'lfw_funneled', 'lfw-deepfunneled', 'lfw_mtcnnpy_160', 'images'].map((sub) => join(dir, sub))
  ]
  return candidates.find((root) => existsSync(join(root, name))) ?? dir
}

/** LFW pairs.txt: a `folds pairs` header, then `name i j` (same) and `name1 i name2 j` (different). */
export async function readPairsTxt(file: string, imagesRoot?: string): Promise<EncodedPairs> {
  const lines = await readPairList(file)
  const root = imagesRoot ?? lfwRoot(dirname(file), lines)
  const table = pathTable()
  const pairs: VerificationPair[] = []
  lines.forEach((raw, n) => {
    const fields = raw.trim().split(/\s+/).filter(Boolean)
    if (fields.length === 0 || (n === 0 && fields.length <= 2 && fields.every((f) => /^\d+$/.test(f)))) return
    const num = (s: string): number => {
      if (!/^\d{1,9}$/.test(s)) throw new Error(`${file} line ${n + 1}: "${s.slice(0, 40)}" is not an image number`)
      return Number(s)
    }
    // An identity is one folder name: no separators, no `..`, nothing a device could hide behind.
    for (const name of fields.length === 4 ? [fields[0], fields[2]] : [fields[0]]) {
      if (/[\\/\0]/.test(name) || name === '..' || name === '.' || refusedPath(name))
        throw new Error(`${file} line ${n + 1}: "${name.slice(0, 80)}" is not an identity folder name`)
    }
    if (fields.length === 3) {
      pairs.push({
        a: table.add(lfwImage(root, fields[0], num(fields[1]))),
        b: table.add(lfwImage(root, fields[0], num(fields[2]))),
        same: true
      })
    } else if (fields.length === 4) {
      pairs.push({
        a: table.add(lfwImage(root, fields[0], num(fields[1]))),
        b: table.add(lfwImage(root, fields[2], num(fields[3]))),
        same: false
      })
    } else {
      throw new Error(`${file} line ${n + 1}: expected "name i j" or "name1 i name2 j", got ${JSON.stringify(raw.slice(0, 80))}`)
    }
  })
  if (pairs.length === 0) throw new Error(`${file}: no pairs found`)
  checkPairCount(file, pairs)
  return filePairs(table, pairs)
}

/** One CSV line's fields; double quotes protect commas, "" is a quote. */
function csvFields(line: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') field += line[i++]
      else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      fields.push(field)
      field = ''
    } else field += ch
  }
  fields.push(field)
  return fields.map((f) => f.trim())
}

/** `path1,path2,label` per line (label 1/0, true/false, same/diff); an optional header line. */
export async function readPairsCsv(file: string, imagesRoot?: string): Promise<EncodedPairs> {
  const root = imagesRoot ?? dirname(file)
  const table = pathTable()
  const pairs: VerificationPair[] = []
  const lines = await readPairList(file)
  lines.forEach((raw, n) => {
    if (raw.trim() === '') return
    const fields = csvFields(raw)
    const same = fields.length === 3 ? sameLabel(fields[2]) : null
    if (same === null) {
      if (n === 0) return // a header line
      throw new Error(
        `${file} line ${n + 1}: expected "path1,path2,label" with label 1/0, got ${JSON.stringify(raw.slice(0, 80))}`
      )
    }
    const resolve = (p: string): string => {
      const refused = p === '' ? 'is empty' : refusedPath(p)
      if (refused) throw new Error(`${file} line ${n + 1}: the image path ${JSON.stringify(p.slice(0, 80))} ${refused}`)
      return isAbsolute(p) ? p : join(root, p)
    }
    pairs.push({ a: table.add(resolve(fields[0])), b: table.add(resolve(fields[1])), same })
  })
  if (pairs.length === 0) throw new Error(`${file}: no pairs found`)
  checkPairCount(file, pairs)
  return filePairs(table, pairs)
}

export async function readEncodedPairs(
  file: string,
  format: 'bin' | 'pairs-txt' | 'pairs-csv',
  imagesRoot?: string
): Promise<EncodedPairs> {
  if (format === 'bin') return readVerificationBin(file)
  return format === 'pairs-txt' ? readPairsTxt(file, imagesRoot) : readPairsCsv(file, imagesRoot)
}

/** Decodes every image of the set. Any unreadable image fails the whole set: folds must stay intact. */
export async function loadPairSet(
  file: string,
  format: 'bin' | 'pairs-txt' | 'pairs-csv',
  options: PairSetOptions
): Promise<PairSet> {
  const encoded = await readEncodedPairs(file, format, options.imagesRoot)
  const { inputSize: size, channels } = options
  const per = size * size * channels
  if (encoded.sources.length * per > MAX_PAIR_SET_BYTES) {
    throw new Error(
      `${file}: ${encoded.sources.length} images of ${size}×${size}×${channels} need ${((encoded.sources.length * per) / 2 ** 30).toFixed(1)} GiB, over the ${(MAX_PAIR_SET_BYTES / 2 ** 30).toFixed(0)} GiB a verification set may take`
    )
  }
  const pixels = new Uint8Array(encoded.sources.length * per)
  const failures: string[] = []
  let next = 0
  const work = async (): Promise<void> => {
    while (next < encoded.sources.length) {
      const i = next++
      try {
        const bytes = await encoded.load(i).catch((error: NodeJS.ErrnoException) => {
          if (error instanceof UserFileError) throw error
          throw new Error(
            error.code === 'ENOENT' ? `${encoded.sources[i]}: file not found` : `${encoded.sources[i]}: ${error.message}`
          )
        })
        pixels.set(await decodeToInput(bytes, size, channels, encoded.sources[i]), i * per)
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error))
      }
    }
  }
  await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, work))
  if (failures.length) {
    const shown = failures.slice(0, 5).join('\n  ')
    throw new Error(
      `${file}: ${failures.length} of ${encoded.sources.length} verification images cannot be used:\n  ${shown}${failures.length > 5 ? '\n  …' : ''}`
    )
  }
  return {
    name: basename(file).replace(/\.(bin|txt|csv)$/i, ''),
    images: memoryImageSource(pixels, size, channels),
    pairs: encoded.pairs
  }
}
