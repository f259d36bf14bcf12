/**
 * Readers for the icon formats in build/, written from the format descriptions independently of
 * scripts/icons/containers.ts (which writes them), so a wrong writer cannot pass its own check.
 */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width and height from a PNG's IHDR chunk; throws unless the data is a PNG. */
export function pngSize(data: Buffer, what: string): { width: number; height: number } {
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`${what}: not a PNG (bad signature)`)
  if (data.toString('ascii', 12, 16) !== 'IHDR') throw new Error(`${what}: first chunk is not IHDR`)
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
}

export interface IcoImage {
  width: number
  height: number
  bitCount: number
  data: Buffer
}

/** The images of a .ico file (ICONDIR + ICONDIRENTRY[]), each checked to lie inside the file. */
export function readIco(file: Buffer): IcoImage[] {
  if (file.length < 6 || file.readUInt16LE(0) !== 0 || file.readUInt16LE(2) !== 1) throw new Error('ico: bad ICONDIR header')
  const count = file.readUInt16LE(4)
  if (file.length < 6 + 16 * count) throw new Error('ico: directory cut short')
  const images: IcoImage[] = []
  for (let i = 0; i < count; i++) {
    const at = 6 + 16 * i
    const size = file.readUInt32LE(at + 8)
    const offset = file.readUInt32LE(at + 12)
    if (offset + size > file.length) throw new Error(`ico: image ${i} runs past the end of the file`)
    images.push({
      width: file.readUInt8(at) || 256,
      height: file.readUInt8(at + 1) || 256,
      bitCount: file.readUInt16LE(at + 6),
      data: file.subarray(offset, offset + size)
    })
  }
  return images
}

/** The elements of a .icns file: 'icns' + length, then (type, length incl. header, data)… */
export function readIcns(file: Buffer): Map<string, Buffer> {
  if (file.toString('ascii', 0, 4) !== 'icns') throw new Error('icns: bad magic')
  if (file.readUInt32BE(4) !== file.length)
    throw new Error(`icns: header says ${file.readUInt32BE(4)} bytes, file has ${file.length}`)
  const elements = new Map<string, Buffer>()
  let at = 8
  while (at < file.length) {
    if (at + 8 > file.length) throw new Error('icns: element header cut short')
    const type = file.toString('ascii', at, at + 4)
    const length = file.readUInt32BE(at + 4)
    if (length < 8 || at + length > file.length) throw new Error(`icns: element ${type} has a bad length ${length}`)
    elements.set(type, file.subarray(at + 8, at + length))
    at += length
  }
  return elements
}
