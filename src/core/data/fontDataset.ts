/**
 * The bundled font-identity dataset (resources/fonts/): the glyphs 0-9A-Za-z of
 * redistributable Debian fonts, 32×32 grayscale, one identity per font face,
 * near-duplicates removed. Built by scripts/build-font-dataset.py (see
 * resources/fonts/README.md).
 *
 * Image indexing: image i = font * 62 + char; `images` holds the glyphs in that order,
 * each `size × size` row-major, uint8 with ink = high (255) and background = 0.
 * The character of image i (`i % 62`) is the 62-class labelling used by the
 * Figure 1 study; the font (`Math.floor(i / 62)`) is the identity label.
 */
import { sha256Hex } from '../util/hash'
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import sharp, { type OutputInfo } from 'sharp'
import { appPaths } from '../appPaths'

export interface FontInfo {
  name: string
  family: string
  style: string
  package: string
  license: string
  file: string
  aliases: string[]
  /**
   * Design group: fonts with the same family name (style words dropped) or near-identical
   * glyph sets share one; a group never spans two splits or two folds. The smallest font
   * index of the group; the font's own index in a build that records none.
   */
  group: number
}

/** a, b = image indices (font * 62 + char) into `images`. */
export interface GlyphPair {
  a: number
  b: number
  same: boolean
}

export interface FontDataset {
  /** Glyph edge in pixels (32). */
  size: number
  /** The characters in class order (62). */
  chars: string
  fonts: FontInfo[]
  /** fonts.length * chars.length * size * size, ink high. */
  images: Uint8Array
  /** Font indices per split; disjoint, together all fonts. */
  split: { train: number[]; val: number[]; test: number[] }
  /**
   * Font indices of each of the 10 val and test folds: disjoint, together the split. Fold k of
   * `pairs` uses only the fonts of fold k, so no identity is in two folds (LFW View 2).
   */
  folds: { val: number[][]; test: number[][] }
  /** In fold order: 10 contiguous folds of equal length, each half genuine, half impostor. */
  pairs: { val: GlyphPair[]; test: GlyphPair[] }
}

/** Thrown for a missing, corrupt or inconsistent dataset; `file` names the culprit. */
export class FontDatasetError extends Error {
  constructor(
    message: string,
    readonly file: string
  ) {
    super(message)
    this.name = 'FontDatasetError'
  }
}

export const FONT_DATASET_FOLDS = 10

/**
 * The `resources` folder of the repository/app (the one holding `fonts/`). `DSOFTMAX_RESOURCES`
 * overrides it. Resolved by src/core/appPaths.ts for each layout: `<repo>/resources` from src/
 * (tsx/vitest) and from out/, `process.resourcesPath` in the packaged app (an extraResource).
 */
export function defaultResourcesDir(): string {
  return appPaths().resourcesDir
}

/** Image index of (font, char). */
export function glyphIndex(font: number, char: number, numChars = 62): number {
  return font * numChars + char
}

/** The glyph of (font, char) as a view into `ds.images`. */
export function glyphImage(ds: FontDataset, font: number, char: number): Uint8Array {
  const px = ds.size * ds.size
  const i = glyphIndex(font, char, ds.chars.length)
  return ds.images.subarray(i * px, (i + 1) * px)
}

/** Character class (0..61) of every image, for character-labelled studies (Figure 1). */
export function charLabels(ds: FontDataset): Int32Array {
  const n = ds.fonts.length * ds.chars.length
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i % ds.chars.length
  return out
}

/** Font (identity) label of every image. */
export function fontLabels(ds: FontDataset): Int32Array {
  const n = ds.fonts.length * ds.chars.length
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(i / ds.chars.length)
  return out
}

interface AtlasEntry {
  file: string
  width: number
  height: number
  firstFont: number
  fonts: number
  sha256?: string
}

interface IndexFile {
  size: number
  chars: string
  atlas: AtlasEntry[]
  split: { train: number[]; val: number[]; test: number[]; valFolds?: number[][]; testFolds?: number[][] }
  fonts: (Omit<FontInfo, 'group'> & { row?: number; group?: number })[]
}

interface PairsFile {
  folds?: number
  val: number[][]
  test: number[][]
}

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new FontDatasetError(
      code === 'ENOENT' ? `Font dataset ${what} not found: ${file}` : `Cannot read font dataset ${what} ${file}: ${String(e)}`,
      file
    )
  }
  try {
    return JSON.parse(text) as T
  } catch (e) {
    throw new FontDatasetError(`Font dataset ${what} ${file} is not valid JSON: ${(e as Error).message}`, file)
  }
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x))
}

function validateIndex(idx: IndexFile, file: string): void {
  const bad = (msg: string): never => {
    throw new FontDatasetError(`Font dataset index ${file} is invalid: ${msg}`, file)
  }
  if (typeof idx !== 'object' || idx === null) bad('not an object')
  if (!Number.isInteger(idx.size) || idx.size <= 0) bad('"size" must be a positive integer')
  if (typeof idx.chars !== 'string' || idx.chars.length === 0) bad('"chars" must be a non-empty string')
  if (new Set(idx.chars).size !== idx.chars.length) bad('"chars" has repeated characters')
  if (!Array.isArray(idx.fonts) || idx.fonts.length === 0) bad('"fonts" must be a non-empty array')
  idx.fonts.forEach((f, i) => {
    for (const k of ['name', 'family', 'style', 'package', 'license', 'file'] as const) {
      if (typeof f?.[k] !== 'string') bad(`fonts[${i}].${k} must be a string`)
    }
    if (!Array.isArray(f.aliases)) bad(`fonts[${i}].aliases must be an array`)
    if (f.row !== undefined && f.row !== i) bad(`fonts[${i}].row is ${f.row}, expected ${i}`)
    if (f.group !== undefined && !(Number.isInteger(f.group) && f.group >= 0 && f.group < idx.fonts.length)) {
      bad(`fonts[${i}].group must be a font index, got ${JSON.stringify(f.group)}`)
    }
  })
  if (!Array.isArray(idx.atlas) || idx.atlas.length === 0) bad('"atlas" must be a non-empty array')
  let next = 0
  idx.atlas.forEach((a, i) => {
    if (typeof a?.file !== 'string' || a.file.includes('..') || path.isAbsolute(a.file))
      bad(`atlas[${i}].file must be a plain file name`)
    if (a.firstFont !== next) bad(`atlas[${i}].firstFont is ${a.firstFont}, expected ${next}`)
    if (!Number.isInteger(a.fonts) || a.fonts <= 0) bad(`atlas[${i}].fonts must be a positive integer`)
    if (a.width !== idx.chars.length * idx.size)
      bad(`atlas[${i}].width is ${a.width}, expected ${idx.chars.length} chars × ${idx.size} px`)
    if (a.height !== a.fonts * idx.size) bad(`atlas[${i}].height is ${a.height}, expected ${a.fonts} fonts × ${idx.size} px`)
    next += a.fonts
  })
  if (next !== idx.fonts.length) bad(`the atlases hold ${next} fonts but "fonts" lists ${idx.fonts.length}`)
  const n = idx.fonts.length
  const seen = new Uint8Array(n)
  for (const part of ['train', 'val', 'test'] as const) {
    const s = idx.split?.[part]
    if (!isIntArray(s)) bad(`split.${part} must be an array of font indices`)
    for (const f of s) {
      if (f < 0 || f >= n) bad(`split.${part} references font ${f}, outside 0..${n - 1}`)
      if (seen[f]) bad(`font ${f} appears in more than one split (or twice)`)
      seen[f] = 1
    }
  }
  if (seen.some((v) => v === 0)) bad('the splits do not cover every font')
  validateGroups(idx, bad)
  for (const part of ['val', 'test'] as const) validateFolds(idx, part, bad)
}

/** A design group lies wholly in one split. */
function validateGroups(idx: IndexFile, bad: (msg: string) => never): void {
  const splitOfGroup = new Map<number, string>()
  for (const part of ['train', 'val', 'test'] as const) {
    for (const f of idx.split[part]) {
      const group = idx.fonts[f].group ?? f
      const other = splitOfGroup.get(group)
      if (other !== undefined && other !== part) bad(`design group ${group} has fonts in both ${other} and ${part} (font ${f})`)
      splitOfGroup.set(group, part)
    }
  }
}

/** The folds of a split, when listed, are disjoint and together the split. */
function validateFolds(idx: IndexFile, part: 'val' | 'test', bad: (msg: string) => never): void {
  const folds = idx.split[`${part}Folds`]
  if (folds === undefined) return
  if (!Array.isArray(folds) || folds.length !== FONT_DATASET_FOLDS || !folds.every(isIntArray)) {
    bad(`split.${part}Folds must be ${FONT_DATASET_FOLDS} arrays of font indices`)
  }
  const inSplit = new Set(idx.split[part])
  const fold = new Map<number, number>()
  folds.forEach((fonts, k) => {
    for (const f of fonts) {
      if (!inSplit.has(f)) bad(`split.${part}Folds[${k}] holds font ${f}, which is not in split.${part}`)
      if (fold.has(f)) bad(`font ${f} is in split.${part}Folds[${fold.get(f)}] and [${k}]`)
      fold.set(f, k)
    }
  })
  if (fold.size !== inSplit.size) bad(`split.${part}Folds hold ${fold.size} fonts, split.${part} has ${inSplit.size}`)
}

/** Fold k's pairs use only fold k's fonts; without listed folds, the split's fonts. */
function foldsOf(idx: IndexFile, part: 'val' | 'test'): number[][] | undefined {
  return idx.split[`${part}Folds`]
}

function convertPairs(list: unknown, part: 'val' | 'test', numFonts: number, numChars: number, file: string): GlyphPair[] {
  const bad = (msg: string): never => {
    throw new FontDatasetError(`Font dataset pairs ${file} is invalid: ${msg}`, file)
  }
  if (!Array.isArray(list)) return bad(`"${part}" must be an array`)
  if (list.length === 0 || list.length % FONT_DATASET_FOLDS !== 0)
    bad(`"${part}" has ${list.length} pairs, not a positive multiple of ${FONT_DATASET_FOLDS} folds`)
  return list.map((p: unknown, i: number) => {
    if (!Array.isArray(p) || p.length !== 5 || !p.every((x) => Number.isInteger(x)))
      bad(`${part}[${i}] must be [fontA, charA, fontB, charB, same]`)
    const [fa, ca, fb, cb, same] = p as number[]
    if (fa < 0 || fa >= numFonts || fb < 0 || fb >= numFonts) bad(`${part}[${i}] references a font outside 0..${numFonts - 1}`)
    if (ca < 0 || ca >= numChars || cb < 0 || cb >= numChars)
      bad(`${part}[${i}] references a character outside 0..${numChars - 1}`)
    if ((same === 1) !== (fa === fb)) bad(`${part}[${i}] says same=${same} but fonts are ${fa} and ${fb}`)
    return { a: fa * numChars + ca, b: fb * numChars + cb, same: same === 1 }
  })
}

async function decodeAtlas(file: string, entry: AtlasEntry): Promise<Buffer> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new FontDatasetError(
      code === 'ENOENT' ? `Font atlas not found: ${file}` : `Cannot read font atlas ${file}: ${String(e)}`,
      file
    )
  }
  if (entry.sha256) {
    const digest = sha256Hex(bytes)
    if (digest !== entry.sha256) {
      throw new FontDatasetError(
        `Font atlas ${file} does not match index.json (sha256 ${digest.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…): truncated, modified or from another build`,
        file
      )
    }
  }
  let data: Buffer
  let info: OutputInfo
  try {
    ;({ data, info } = await sharp(bytes, { limitInputPixels: false })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true }))
  } catch (e) {
    throw new FontDatasetError(
      `Font atlas ${file} could not be decoded (truncated or corrupt PNG?): ${(e as Error).message}`,
      file
    )
  }
  if (info.width !== entry.width || info.height !== entry.height) {
    throw new FontDatasetError(
      `Font atlas ${file} is ${info.width}×${info.height} px, index.json expects ${entry.width}×${entry.height}`,
      file
    )
  }
  if (info.channels !== 1 || data.length !== entry.width * entry.height) {
    throw new FontDatasetError(
      `Font atlas ${file} decoded to ${info.channels} channels / ${data.length} bytes, expected 8-bit grayscale`,
      file
    )
  }
  return data
}

/**
 * Load the bundled font dataset. `dir` may be the `resources` folder or the
 * `resources/fonts` folder itself; default: `defaultResourcesDir()`.
 */
export async function loadFontDataset(dir?: string): Promise<FontDataset> {
  const base = dir ?? defaultResourcesDir()
  const fontsDir = existsSync(path.join(base, 'index.json')) ? base : path.join(base, 'fonts')
  const indexFile = path.join(fontsDir, 'index.json')
  const pairsFile = path.join(fontsDir, 'pairs.json')
  const idx = await readJson<IndexFile>(indexFile, 'index')
  validateIndex(idx, indexFile)
  const pairsDoc = await readJson<PairsFile>(pairsFile, 'pairs')
  const numFonts = idx.fonts.length
  const numChars = idx.chars.length
  const pairs = {
    val: convertPairs(pairsDoc?.val, 'val', numFonts, numChars, pairsFile),
    test: convertPairs(pairsDoc?.test, 'test', numFonts, numChars, pairsFile)
  }
  for (const part of ['val', 'test'] as const) {
    const inSplit = new Set(idx.split[part])
    const folds = foldsOf(idx, part)
    const perFold = pairs[part].length / FONT_DATASET_FOLDS
    pairs[part].forEach((p, i) => {
      const fa = Math.floor(p.a / numChars)
      const fb = Math.floor(p.b / numChars)
      if (!inSplit.has(fa) || !inSplit.has(fb)) {
        throw new FontDatasetError(
          `Font dataset pairs ${pairsFile} is invalid: ${part}[${i}] uses a font outside the ${part} split`,
          pairsFile
        )
      }
      const k = Math.floor(i / perFold)
      if (folds && (!folds[k].includes(fa) || !folds[k].includes(fb))) {
        throw new FontDatasetError(
          `Font dataset pairs ${pairsFile} is invalid: ${part}[${i}] is in fold ${k} but uses a font outside split.${part}Folds[${k}]`,
          pairsFile
        )
      }
    })
  }

  const size = idx.size
  const px = size * size
  const images = new Uint8Array(numFonts * numChars * px)
  for (const entry of idx.atlas) {
    const file = path.join(fontsDir, entry.file)
    try {
      await stat(file)
    } catch {
      throw new FontDatasetError(`Font atlas not found: ${file}`, file)
    }
    const data = await decodeAtlas(file, entry)
    const W = entry.width
    for (let r = 0; r < entry.fonts; r++) {
      const font = entry.firstFont + r
      for (let c = 0; c < numChars; c++) {
        const dst = (font * numChars + c) * px
        for (let y = 0; y < size; y++) {
          const src = (r * size + y) * W + c * size
          images.set(data.subarray(src, src + size), dst + y * size)
        }
      }
    }
  }

  const fonts: FontInfo[] = idx.fonts.map((f, i) => ({
    name: f.name,
    family: f.family,
    style: f.style,
    package: f.package,
    license: f.license,
    file: f.file,
    aliases: [...f.aliases],
    group: f.group ?? i
  }))
  return {
    size,
    chars: idx.chars,
    fonts,
    images,
    split: { train: [...idx.split.train], val: [...idx.split.val], test: [...idx.split.test] },
    folds: {
      val: foldsOrContiguous(idx, 'val', pairs.val, numChars),
      test: foldsOrContiguous(idx, 'test', pairs.test, numChars)
    },
    pairs
  }
}

/** The listed folds, or (older builds) the fonts each contiguous tenth of the pairs uses. */
function foldsOrContiguous(idx: IndexFile, part: 'val' | 'test', pairs: GlyphPair[], numChars: number): number[][] {
  const listed = foldsOf(idx, part)
  if (listed) return listed.map((fold) => [...fold])
  const perFold = pairs.length / FONT_DATASET_FOLDS
  return Array.from({ length: FONT_DATASET_FOLDS }, (_, k) => {
    const fonts = new Set<number>()
    for (const p of pairs.slice(k * perFold, (k + 1) * perFold)) {
      fonts.add(Math.floor(p.a / numChars))
      fonts.add(Math.floor(p.b / numChars))
    }
    return [...fonts].sort((x, y) => x - y)
  })
}
