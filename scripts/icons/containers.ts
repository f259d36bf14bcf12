/**
 * The two icon containers the desktop platforms want, written from PNG images (no extra
 * package): Windows .ico and macOS .icns. Both formats may hold PNG data directly (ICO since
 * Vista, ICNS since 10.7 for the types below), so each is a small header plus the PNGs.
 */

export interface SizedPng {
  /** Width = height in pixels. */
  size: number
  png: Buffer
}

/**
 * ICO: ICONDIR (reserved 0, type 1 = icon, count) then one 16-byte ICONDIRENTRY per image
 * (width/height as a byte, 0 meaning 256; 32 bits per pixel; data size and offset), then data.
 */
export function writeIco(images: readonly SizedPng[]): Buffer {
  if (images.length === 0 || images.length > 0xffff) throw new Error(`ico: need 1–65535 images, got ${images.length}`)
  const header = Buffer.alloc(6 + 16 * images.length)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2)
  header.writeUInt16LE(images.length, 4)
  let offset = header.length
  images.forEach(({ size, png }, i) => {
    if (size < 1 || size > 256) throw new Error(`ico: image size ${size} is outside 1–256`)
    const entry = 6 + 16 * i
    header.writeUInt8(size === 256 ? 0 : size, entry)
    header.writeUInt8(size === 256 ? 0 : size, entry + 1)
    header.writeUInt8(0, entry + 2) // no palette
    header.writeUInt8(0, entry + 3)
    header.writeUInt16LE(1, entry + 4) // colour planes
    header.writeUInt16LE(32, entry + 6) // bits per pixel
    header.writeUInt32LE(png.length, entry + 8)
    header.writeUInt32LE(offset, entry + 12)
    offset += png.length
  })
  return Buffer.concat([header, ...images.map((image) => image.png)])
}

/** ICNS element types that hold PNG data, with the pixel size each one stands for. */
export const ICNS_PNG_TYPES = [
  { type: 'icp4', pixels: 16 },
  { type: 'icp5', pixels: 32 },
  { type: 'icp6', pixels: 64 },
  { type: 'ic07', pixels: 128 },
  { type: 'ic08', pixels: 256 },
  { type: 'ic09', pixels: 512 },
  { type: 'ic10', pixels: 1024 }, // 512@2x
  { type: 'ic11', pixels: 32 }, // 16@2x
  { type: 'ic12', pixels: 64 }, // 32@2x
  { type: 'ic13', pixels: 256 }, // 128@2x
  { type: 'ic14', pixels: 512 } // 256@2x
] as const

/** ICNS: 'icns' + total length (big-endian), then elements of type (4 chars) + length (incl. 8-byte header) + data. */
export function writeIcns(elements: readonly { type: string; png: Buffer }[]): Buffer {
  const parts = elements.map(({ type, png }) => {
    if (!/^[\x20-\x7e]{4}$/.test(type)) throw new Error(`icns: element type must be 4 ASCII characters, got "${type}"`)
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(8 + png.length, 4)
    return Buffer.concat([head, png])
  })
  const header = Buffer.alloc(8)
  header.write('icns', 0, 'ascii')
  header.writeUInt32BE(8 + parts.reduce((sum, part) => sum + part.length, 0), 4)
  return Buffer.concat([header, ...parts])
}
