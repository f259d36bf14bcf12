// What an encoded image is, how big it is and whether the file is complete, from its bytes alone
// (no pixel decoding), so indexing 100k images costs a file read each and no decode.

export type ImageKind = 'jpeg' | 'png' | 'webp' | 'bmp'

export interface ImageInfo {
  kind: ImageKind
  width: number
  height: number
}

export type ImageCheck = { ok: true; info: ImageInfo } | { ok: false; problem: string }

/** Decompression-bomb guard: aligned faces are 112×112; anything this large is a mistake or an attack. */
export const MAX_INPUT_PIXELS = 24_000_000

/** The problem with an image of this size, or null when it is within the limit. */
export function oversize(width: number, height: number): string | null {
  if (width * height <= MAX_INPUT_PIXELS) return null
  return `image is ${width}×${height} (${((width * height) / 1e6).toFixed(1)} megapixels), over the ${MAX_INPUT_PIXELS / 1e6}-megapixel limit (a guard against decompression bombs)`
}

/** File extensions that count as images in an identity folder. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp'])

const u16be = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1]
const u16le = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8)
const u32be = (b: Uint8Array, i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0
const u32le = (b: Uint8Array, i: number): number => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0
const ascii = (b: Uint8Array, i: number, n: number): string => String.fromCharCode(...b.subarray(i, i + n))

/** The format from the leading magic bytes, or null when the bytes are not an image we read. */
export function sniffImage(bytes: Uint8Array): ImageKind | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (bytes.length >= 8 && u32be(bytes, 0) === 0x89504e47 && u32be(bytes, 4) === 0x0d0a1a0a) return 'png'
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp'
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp'
  return null
}

/** A file extension for bytes of this kind (for writing identity folders). */
export function extensionFor(kind: ImageKind): string {
  return kind === 'jpeg' ? '.jpg' : `.${kind}`
}

function jpegInfo(b: Uint8Array): ImageCheck {
  let i = 2
  let size: { width: number; height: number } | null = null
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return { ok: false, problem: `corrupt JPEG: no marker at byte ${i}` }
    const marker = b[i + 1]
    if (marker === 0xff) {
      i++
      continue
    }
    if (marker === 0xd9 || marker === 0xda) break
    const length = u16be(b, i + 2)
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
    if (isFrame && i + 9 <= b.length) size = { height: u16be(b, i + 5), width: u16be(b, i + 7) }
    i += 2 + length
  }
  if (!size) return { ok: false, problem: 'corrupt or truncated JPEG: no frame header before the image data' }
  // A complete JPEG ends with the EOI marker (some writers append a few padding bytes).
  const tail = b.subarray(Math.max(0, b.length - 64))
  let complete = false
  for (let j = tail.length - 2; j >= 0 && !complete; j--) complete = tail[j] === 0xff && tail[j + 1] === 0xd9
  if (!complete) return { ok: false, problem: 'truncated JPEG: the end-of-image marker is missing' }
  return { ok: true, info: { kind: 'jpeg', ...size } }
}

function pngInfo(b: Uint8Array): ImageCheck {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') return { ok: false, problem: 'corrupt PNG: no IHDR header' }
  const info: ImageInfo = { kind: 'png', width: u32be(b, 16), height: u32be(b, 20) }
  if (b.length < 45 || ascii(b, b.length - 8, 4) !== 'IEND')
    return { ok: false, problem: 'truncated PNG: the IEND chunk is missing' }
  return { ok: true, info }
}

function webpInfo(b: Uint8Array): ImageCheck {
  if (b.length < 30) return { ok: false, problem: 'truncated WebP: shorter than its headers' }
  if (b.length < u32le(b, 4) + 8)
    return { ok: false, problem: `truncated WebP: ${b.length} bytes of the ${u32le(b, 4) + 8} its header announces` }
  const chunk = ascii(b, 12, 4)
  if (chunk === 'VP8 ') return { ok: true, info: { kind: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff } }
  if (chunk === 'VP8L') {
    const bits = u32le(b, 21)
    return { ok: true, info: { kind: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 } }
  }
  if (chunk === 'VP8X') {
    const width = (b[24] | (b[25] << 8) | (b[26] << 16)) + 1
    const height = (b[27] | (b[28] << 8) | (b[29] << 16)) + 1
    return { ok: true, info: { kind: 'webp', width, height } }
  }
  return { ok: false, problem: `corrupt WebP: unknown first chunk "${chunk}"` }
}

/** BMP header fields the decoder and the checker share. */
export interface BmpHeader {
  pixelOffset: number
  headerSize: number
  width: number
  /** Rows in the file; negative height in the file means top-down rows. */
  height: number
  topDown: boolean
  bitsPerPixel: number
  compression: number
  colorsUsed: number
  rowBytes: number
}

export function bmpHeader(b: Uint8Array): BmpHeader | string {
  if (b.length < 26) return 'truncated BMP: shorter than its headers'
  const headerSize = u32le(b, 14)
  if (headerSize < 12 || b.length < 14 + Math.min(headerSize, 40)) return 'corrupt BMP: bad DIB header'
  const core = headerSize === 12
  const width = core ? u16le(b, 18) : u32le(b, 18) | 0
  const rawHeight = core ? u16le(b, 20) : u32le(b, 22) | 0
  const bitsPerPixel = core ? u16le(b, 24) : u16le(b, 28)
  const compression = core ? 0 : u32le(b, 30)
  const colorsUsed = core || headerSize < 36 ? 0 : u32le(b, 46)
  if (width <= 0 || rawHeight === 0) return `corrupt BMP: size ${width}×${rawHeight}`
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4
  return {
    pixelOffset: u32le(b, 10),
    headerSize,
    width,
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitsPerPixel,
    compression,
    colorsUsed,
    rowBytes
  }
}

function bmpInfo(b: Uint8Array): ImageCheck {
  const h = bmpHeader(b)
  if (typeof h === 'string') return { ok: false, problem: h }
  const needed = h.pixelOffset + h.rowBytes * h.height
  // Only uncompressed layouts have a known size; RLE files are checked when decoded.
  if ((h.compression === 0 || h.compression === 3) && b.length < needed) {
    return { ok: false, problem: `truncated BMP: ${b.length} bytes of the ${needed} its header needs` }
  }
  return { ok: true, info: { kind: 'bmp', width: h.width, height: h.height } }
}

/** Format, size and completeness of an encoded image; `problem` names what is wrong otherwise. */
export function checkImage(bytes: Uint8Array): ImageCheck {
  const kind = sniffImage(bytes)
  if (bytes.length === 0) return { ok: false, problem: 'empty file' }
  switch (kind) {
    case 'jpeg':
      return jpegInfo(bytes)
    case 'png':
      return pngInfo(bytes)
    case 'webp':
      return webpInfo(bytes)
    case 'bmp':
      return bmpInfo(bytes)
    default:
      return { ok: false, problem: 'not a JPEG, PNG, WebP or BMP image (unknown leading bytes)' }
  }
}
