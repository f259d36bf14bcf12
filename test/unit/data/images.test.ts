import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { checkImage, sniffImage } from '../../../src/core/data/imageInfo'
import { decodeBmp } from '../../../src/core/data/bmp'
import { decodeToInput, ImageDecodeError } from '../../../src/core/data/decode'
import { drawAugmentation, writeAugmented } from '../../../src/core/data/augment'
import { createRng } from '../../../src/core/util/rng'
import { blankPng, bmp24, encodeImage, identityColour, identityPixels } from './fixtures'

const SIZE = 24

describe('image headers (checkImage)', () => {
  it('reads format and size of real JPEG, PNG, WebP and BMP files', async () => {
    const pixels = identityPixels(1, 0, SIZE)
    for (const encoding of ['jpeg', 'png', 'webp'] as const) {
      const bytes = new Uint8Array(await encodeImage(pixels, SIZE, SIZE, encoding))
      expect(checkImage(bytes)).toEqual({ ok: true, info: { kind: encoding, width: SIZE, height: SIZE } })
    }
    const wide = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } })
      .webp()
      .toBuffer()
    expect(checkImage(wide)).toEqual({ ok: true, info: { kind: 'webp', width: 40, height: 30 } })
    expect(checkImage(bmp24(pixels, SIZE, SIZE))).toEqual({ ok: true, info: { kind: 'bmp', width: SIZE, height: SIZE } })
  })

  it('flags truncated files and non-images with the reason', async () => {
    const jpeg = new Uint8Array(await encodeImage(identityPixels(0, 0, SIZE), SIZE, SIZE, 'jpeg'))
    const png = new Uint8Array(await encodeImage(identityPixels(0, 0, SIZE), SIZE, SIZE, 'png'))
    const webp = new Uint8Array(await encodeImage(identityPixels(0, 0, SIZE), SIZE, SIZE, 'webp'))
    const cut = (b: Uint8Array): Uint8Array => b.subarray(0, Math.floor(b.length * 0.6))
    expect(checkImage(cut(jpeg))).toMatchObject({ ok: false, problem: expect.stringContaining('truncated JPEG') })
    expect(checkImage(cut(png))).toMatchObject({ ok: false, problem: expect.stringContaining('truncated PNG') })
    expect(checkImage(cut(webp))).toMatchObject({ ok: false, problem: expect.stringContaining('truncated WebP') })
    expect(checkImage(cut(bmp24(identityPixels(0, 0, SIZE), SIZE, SIZE)))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('truncated BMP')
    })
    expect(checkImage(new TextEncoder().encode('name,label\n'))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('not a JPEG')
    })
    expect(sniffImage(new Uint8Array(0))).toBeNull()
  })
})

describe('BMP decoder', () => {
  it('decodes a 24-bit bottom-up BMP to the exact pixels (odd width: padded rows)', () => {
    const pixels = identityPixels(2, 1, 7).map((v, i) => (v + i * 13) % 256)
    const decoded = decodeBmp(bmp24(pixels, 7, 7), 1e6)
    expect(decoded.width).toBe(7)
    expect(Array.from(decoded.data)).toEqual(Array.from(pixels))
  })

  it('decodes 32-bit BI_BITFIELDS top-down and 8-bit paletted BMPs', () => {
    // 2×2, 32-bit, masks R=0x00ff0000 G=0x0000ff00 B=0x000000ff, negative height = top-down.
    const b32 = new Uint8Array(66 + 16)
    const v = new DataView(b32.buffer)
    b32.set([0x42, 0x4d])
    v.setUint32(10, 66, true)
    v.setUint32(14, 40, true)
    v.setInt32(18, 2, true)
    v.setInt32(22, -2, true)
    v.setUint16(28, 32, true)
    v.setUint32(30, 3, true)
    v.setUint32(54, 0x00ff0000, true)
    v.setUint32(58, 0x0000ff00, true)
    v.setUint32(62, 0x000000ff, true)
    const colours = [0x112233, 0x445566, 0x778899, 0xaabbcc]
    colours.forEach((c, i) => v.setUint32(66 + 4 * i, c, true))
    expect(Array.from(decodeBmp(b32, 1e6).data)).toEqual(colours.flatMap((c) => [c >> 16, (c >> 8) & 0xff, c & 0xff]))

    // 2×1, 8-bit, two palette entries (BGRx), indices 1 then 0.
    const b8 = new Uint8Array(54 + 8 + 4)
    const w = new DataView(b8.buffer)
    b8.set([0x42, 0x4d])
    w.setUint32(10, 62, true)
    w.setUint32(14, 40, true)
    w.setInt32(18, 2, true)
    w.setInt32(22, 1, true)
    w.setUint16(28, 8, true)
    w.setUint32(46, 2, true)
    b8.set([10, 20, 30, 0, 40, 50, 60, 0], 54)
    b8.set([1, 0], 62)
    expect(Array.from(decodeBmp(b8, 1e6).data)).toEqual([60, 50, 40, 30, 20, 10])
  })

  it('refuses RLE-compressed BMPs by name', () => {
    const bytes = bmp24(identityPixels(0, 0, 4), 4, 4)
    new DataView(bytes.buffer).setUint32(30, 1, true)
    expect(() => decodeBmp(bytes, 1e6)).toThrow(/unsupported BMP compression 1/)
  })
})

describe('decodeToInput', () => {
  const centre = (pixels: Uint8Array, size: number, channels: number): number[] => {
    const o = ((size - 2) * size + size / 2) * channels // near the bottom, away from the dark square
    return Array.from(pixels.subarray(o, o + channels))
  }

  it('every format decodes to size·size·3 RGB with the identity colour; BMP equals PNG exactly', async () => {
    const pixels = identityPixels(3, 0, 32)
    const png = await decodeToInput(new Uint8Array(await encodeImage(pixels, 32, 32, 'png')), 16, 3, 'p.png')
    const bmp = await decodeToInput(bmp24(pixels, 32, 32), 16, 3, 'p.bmp')
    expect(Array.from(bmp)).toEqual(Array.from(png))
    for (const encoding of ['jpeg', 'webp'] as const) {
      const decoded = await decodeToInput(new Uint8Array(await encodeImage(pixels, 32, 32, encoding)), 16, 3, 'x')
      expect(decoded.length).toBe(16 * 16 * 3)
      centre(decoded, 16, 3).forEach((v, c) => expect(Math.abs(v - identityColour(3)[c])).toBeLessThan(8))
    }
  })

  it('centre-crops non-square images and converts to gray with the luma weights', async () => {
    // 30×10: left third red, middle third green, right third blue → the centre crop is green.
    const wide = new Uint8Array(30 * 10 * 3)
    for (let y = 0; y < 10; y++) for (let x = 0; x < 30; x++) wide[(y * 30 + x) * 3 + Math.floor(x / 10)] = 255
    const png = new Uint8Array(await encodeImage(wide, 30, 10, 'png'))
    const rgb = await decodeToInput(png, 8, 3, 'wide.png')
    expect(centre(rgb, 8, 3)).toEqual([0, 255, 0])
    const gray = await decodeToInput(png, 8, 1, 'wide.png')
    expect(gray.length).toBe(64)
    expect(Math.abs(gray[36] - 0.587 * 255)).toBeLessThan(3)
  })

  it('names the file and the problem for truncated and unknown data', async () => {
    const jpeg = new Uint8Array(await encodeImage(identityPixels(0, 0, 64), 64, 64, 'jpeg'))
    const error = await decodeToInput(jpeg.subarray(0, jpeg.length >> 1), 16, 3, '/data/alice/cut.jpg').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ImageDecodeError)
    expect((error as Error).message).toMatch(/^\/data\/alice\/cut\.jpg: cannot decode JPEG/)
    await expect(decodeToInput(new Uint8Array([1, 2, 3, 4]), 16, 3, 'junk.png')).rejects.toThrow(
      'junk.png: not a JPEG, PNG, WebP or BMP image'
    )
  })

  it('refuses a real 40-megapixel PNG before decoding it, with its size', async () => {
    const big = blankPng(7300, 5500)
    expect(big.length).toBeLessThan(200_000)
    await expect(decodeToInput(big, 16, 3, 'huge.png')).rejects.toThrow(
      /huge\.png: image is 7300×5500 \(40\.1 megapixels\), over the 24-megapixel limit/
    )
  })
})

describe('augmentation', () => {
  const size = 6
  const source = Uint8Array.from({ length: size * size }, (_, i) => (i * 7) % 256)

  it('without augmentation scales to [-1, 1] exactly', () => {
    const out = new Float32Array(size * size)
    writeAugmented(source, size, 1, out, 0, drawAugmentation(undefined, undefined))
    out.forEach((v, i) => expect(v).toBeCloseTo(source[i] / 127.5 - 1, 6))
  })

  it('mirror reverses each row; a whole-pixel shift moves pixels and replicates the edge', () => {
    const mirrored = new Float32Array(size * size)
    writeAugmented(source, size, 1, mirrored, 0, { mirror: true, zoom: 1, dx: 0, dy: 0, brightness: 0, contrast: 1 })
    const shifted = new Float32Array(size * size)
    writeAugmented(source, size, 1, shifted, 0, { mirror: false, zoom: 1, dx: 2, dy: -1, brightness: 0, contrast: 1 })
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        expect(mirrored[y * size + x]).toBeCloseTo(source[y * size + size - 1 - x] / 127.5 - 1, 6)
        const sx = Math.max(0, x - 2)
        const sy = Math.min(size - 1, y + 1)
        expect(shifted[y * size + x]).toBeCloseTo(source[sy * size + sx] / 127.5 - 1, 5)
      }
    }
  })

  it('brightness and contrast follow v·contrast + brightness, clipped to [-1, 1]', () => {
    const out = new Float32Array(size * size)
    writeAugmented(source, size, 1, out, 0, { mirror: false, zoom: 1, dx: 0, dy: 0, brightness: 0.3, contrast: 1.5 })
    out.forEach((v, i) => expect(v).toBeCloseTo(Math.max(-1, Math.min(1, (source[i] / 127.5 - 1) * 1.5 + 0.3)), 5))
  })

  it('draws are seeded: same seed, same draw; limits respected', () => {
    const augment = { shift: 3, flip: true, scale: 0.1, brightness: 0.2, contrast: 0.2 }
    expect(drawAugmentation(augment, createRng(5))).toEqual(drawAugmentation(augment, createRng(5)))
    for (let s = 0; s < 50; s++) {
      const d = drawAugmentation(augment, createRng(s))
      expect(Math.abs(d.dx)).toBeLessThanOrEqual(3)
      expect(Math.abs(d.zoom - 1)).toBeLessThanOrEqual(0.1)
      expect(Math.abs(d.brightness)).toBeLessThanOrEqual(0.2)
      expect(Math.abs(d.contrast - 1)).toBeLessThanOrEqual(0.2)
    }
  })
})
