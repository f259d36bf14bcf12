// Real image files for the data tests, made at test time in a temp folder: each identity is a
// distinct colour with a shape whose position varies per image, so labels are checkable from pixels.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { PYTHON } from '../../helpers/python'

export type Encoding = 'jpeg' | 'png' | 'webp'

export function tempDir(prefix = 'dsoftmax-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** The base colour of identity `id`: far apart in RGB so a decoded pixel tells the identity. */
export function identityColour(id: number): [number, number, number] {
  const palette: [number, number, number][] = [
    [220, 30, 30],
    [30, 200, 40],
    [40, 60, 220],
    [230, 220, 40],
    [200, 40, 200],
    [40, 210, 210]
  ]
  return palette[id % palette.length]
}

/** size×size RGB: the identity colour with a dark square at a position set by `variant`. */
export function identityPixels(id: number, variant: number, size: number): Uint8Array {
  const [r, g, b] = identityColour(id)
  const pixels = new Uint8Array(size * size * 3)
  const x0 = (variant * 5) % Math.max(1, size - size / 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3
      const inSquare = x >= x0 && x < x0 + size / 4 && y >= size / 4 && y < size / 2
      pixels[o] = inSquare ? r / 4 : r
      pixels[o + 1] = inSquare ? g / 4 : g
      pixels[o + 2] = inSquare ? b / 4 : b
    }
  }
  return pixels
}

export async function encodeImage(
  pixels: Uint8Array,
  width: number,
  height: number,
  encoding: Encoding,
  channels = 3
): Promise<Buffer> {
  const image = sharp(Buffer.from(pixels), { raw: { width, height, channels: channels as 3 } })
  if (encoding === 'jpeg') return image.jpeg({ quality: 95 }).toBuffer()
  if (encoding === 'png') return image.png().toBuffer()
  return image.webp({ lossless: true }).toBuffer()
}

/** Writes root/<name>/<i>.<ext> for each identity, cycling JPEG/PNG/WebP; returns the file count. */
export async function writeIdentityFolder(
  root: string,
  identities: string[],
  perIdentity: number,
  size = 24,
  encodings: Encoding[] = ['jpeg', 'png', 'webp']
): Promise<number> {
  let n = 0
  for (const [id, name] of identities.entries()) {
    mkdirSync(join(root, name), { recursive: true })
    for (let i = 0; i < perIdentity; i++) {
      const encoding = encodings[(id + i) % encodings.length]
      const ext = encoding === 'jpeg' ? 'jpg' : encoding
      writeFileSync(join(root, name, `${i}.${ext}`), await encodeImage(identityPixels(id, i, size), size, size, encoding))
      n++
    }
  }
  return n
}

/** An uncompressed 24-bit bottom-up BMP, written byte by byte as the format specifies. */
export function bmp24(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const rowBytes = Math.ceil((width * 3) / 4) * 4
  const out = new Uint8Array(54 + rowBytes * height)
  const view = new DataView(out.buffer)
  out[0] = 0x42
  out[1] = 0x4d
  view.setUint32(2, out.length, true)
  view.setUint32(10, 54, true)
  view.setUint32(14, 40, true)
  view.setInt32(18, width, true)
  view.setInt32(22, height, true)
  view.setUint16(26, 1, true)
  view.setUint16(28, 24, true)
  for (let y = 0; y < height; y++) {
    const row = 54 + rowBytes * (height - 1 - y)
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3
      out[row + x * 3] = pixels[s + 2]
      out[row + x * 3 + 1] = pixels[s + 1]
      out[row + x * 3 + 2] = pixels[s]
    }
  }
  return out
}

const SCRIPT = fileURLToPath(new URL('../../../scripts/data-fixtures.py', import.meta.url))

/** Runs the Python reference (scripts/data-fixtures.py) and returns its stdout. */
export function python(command: 'write-bin' | 'read-bin' | 'read-rec' | 'hostile-rec', ...args: string[]): string {
  return execFileSync(PYTHON, [SCRIPT, command, ...args], { encoding: 'utf8' })
}

export function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex')
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const b of bytes) {
    crc ^= b
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return (crc ^ 0xffffffff) >>> 0
}

/**
 * A valid 1-bit grayscale PNG of any size, built chunk by chunk: a 40-megapixel image costs a few
 * kilobytes and milliseconds (every row is zeros, which deflate squeezes to almost nothing).
 */
export function blankPng(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(12 + data.length)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), 8 + data.length)
    return out
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 1 // bit depth
  ihdr[9] = 0 // grayscale
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

/** Every file under `root` (relative path → sha1 of contents, or '->target' for links). */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      const rel = full.slice(root.length + 1)
      if (entry.isSymbolicLink()) out[rel] = `->${readlinkSync(full)}`
      else if (entry.isDirectory()) walk(full)
      else out[rel] = `${sha1(readFileSync(full))} ${statSync(full).mtimeMs}`
    }
  }
  walk(root)
  return out
}
