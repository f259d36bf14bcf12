// A small BMP decoder: libvips (and so sharp) does not read BMP. Covers the variants cameras and
// dataset scripts write: uncompressed 24- and 32-bit (BI_RGB or BI_BITFIELDS) and 8-bit paletted.
import { bmpHeader, oversize } from './imageInfo'

export interface RawImage {
  data: Uint8Array
  width: number
  height: number
  channels: 3
}

const u32le = (b: Uint8Array, i: number): number => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0

/** Position and width of a colour mask's bits, to read BI_BITFIELDS pixels. */
function maskShift(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 }
  let shift = 0
  while (((mask >>> shift) & 1) === 0) shift++
  return { shift, max: mask >>> shift }
}

/** Decodes a BMP to RGB; throws with the reason when the variant is not supported or data is short. */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): RawImage {
  const h = bmpHeader(bytes)
  if (typeof h === 'string') throw new Error(h)
  const { width, height, bitsPerPixel: bpp, rowBytes } = h
  if (width * height > maxPixels) throw new Error(oversize(width, height) ?? `image over the ${maxPixels}-pixel limit`)
  if (h.compression !== 0 && !(h.compression === 3 && bpp === 32)) {
    throw new Error(`unsupported BMP compression ${h.compression} (only uncompressed 8/24/32-bit BMP is read)`)
  }
  if (bpp !== 8 && bpp !== 24 && bpp !== 32)
    throw new Error(`unsupported BMP depth: ${bpp} bits per pixel (8, 24 and 32 are read)`)
  if (bytes.length < h.pixelOffset + rowBytes * height) throw new Error('truncated BMP: pixel data shorter than the header says')

  let masks = { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff }
  if (h.compression === 3) {
    // The masks follow a 40-byte header, or sit inside a V4/V5 header at the same place.
    masks = { r: u32le(bytes, 54), g: u32le(bytes, 58), b: u32le(bytes, 62) }
  }
  const fields = [maskShift(masks.r), maskShift(masks.g), maskShift(masks.b)]
  let palette: Uint8Array | null = null
  if (bpp === 8) {
    const entries = h.colorsUsed || 256
    const start = 14 + h.headerSize
    palette = bytes.subarray(start, start + entries * 4)
    if (palette.length < entries * 4) throw new Error('truncated BMP: palette shorter than the header says')
  }

  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    const row = h.pixelOffset + rowBytes * (h.topDown ? y : height - 1 - y)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3
      if (palette) {
        const p = bytes[row + x] * 4
        data[o] = palette[p + 2] ?? 0
        data[o + 1] = palette[p + 1] ?? 0
        data[o + 2] = palette[p] ?? 0
      } else if (bpp === 24) {
        const p = row + x * 3
        data[o] = bytes[p + 2]
        data[o + 1] = bytes[p + 1]
        data[o + 2] = bytes[p]
      } else {
        const v = u32le(bytes, row + x * 4)
        for (let c = 0; c < 3; c++) {
          const f = fields[c]
          data[o + c] = f.max === 0 ? 0 : Math.round((((v >>> f.shift) & f.max) * 255) / f.max)
        }
      }
    }
  }
  return { data, width, height, channels: 3 }
}
