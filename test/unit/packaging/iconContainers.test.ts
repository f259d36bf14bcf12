/**
 * The ICO and ICNS writers (scripts/icons/containers.ts) read back by the independent readers in
 * iconFormats.ts: every image comes back byte for byte, at the size its directory entry says.
 */
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { ICNS_PNG_TYPES, writeIcns, writeIco } from '../../../scripts/icons/containers'
import { pngSize, readIcns, readIco } from './iconFormats'

async function png(size: number, shade: number): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 4, background: { r: shade, g: 0, b: 255 - shade, alpha: 1 } } })
    .png()
    .toBuffer()
}

describe('icon containers', () => {
  it('ICO: a header, one entry per image (256 written as 0), the PNGs back unchanged', async () => {
    const images = [
      { size: 16, png: await png(16, 10) },
      { size: 48, png: await png(48, 100) },
      { size: 256, png: await png(256, 200) }
    ]
    const file = writeIco(images)
    expect(file.readUInt16LE(4)).toBe(3)
    expect(file.readUInt8(6 + 16 * 2)).toBe(0) // 256 px is stored as 0
    const back = readIco(file)
    expect(back.map((i) => [i.width, i.height, i.bitCount])).toEqual([
      [16, 16, 32],
      [48, 48, 32],
      [256, 256, 32]
    ])
    back.forEach((image, i) => expect(image.data.equals(images[i].png)).toBe(true))
    expect(file.length).toBe(6 + 16 * 3 + images.reduce((n, i) => n + i.png.length, 0))
  })

  it('ICNS: total length in the header, each element typed and sized, the PNGs back unchanged', async () => {
    const elements = await Promise.all(
      ICNS_PNG_TYPES.map(async ({ type, pixels }, i) => ({ type, png: await png(pixels, i * 20) }))
    )
    const file = writeIcns(elements)
    const back = readIcns(file)
    expect([...back.keys()]).toEqual(ICNS_PNG_TYPES.map((t) => t.type))
    for (const { type, pixels } of ICNS_PNG_TYPES)
      expect(pngSize(back.get(type) as Buffer, type)).toEqual({ width: pixels, height: pixels })
    elements.forEach(({ type, png: data }) => expect(back.get(type)?.equals(data)).toBe(true))
  })

  it('refuses what the formats cannot hold', async () => {
    expect(() => writeIco([])).toThrow(/1–65535 images/)
    expect(() => writeIco([{ size: 512, png: Buffer.alloc(1) }])).toThrow(/outside 1–256/)
    expect(() => writeIcns([{ type: 'ic1', png: Buffer.alloc(1) }])).toThrow(/4 ASCII characters/)
  })
})
