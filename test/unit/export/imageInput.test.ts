// Image files become model input the way the app scales pixels: (p − 127.5) / 127.5, NHWC.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeImageFile } from '../../../src/core/export/imageInput'

const dir = mkdtempSync(join(tmpdir(), 'export-images-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('decodeImageFile', () => {
  it('keeps RGB pixels at the model size and scales them to [-1, 1]', async () => {
    const pixels = Uint8Array.from({ length: 3 * 4 * 3 }, (_, i) => (i * 23) % 256)
    const file = join(dir, 'rgb.png')
    await sharp(Buffer.from(pixels), { raw: { width: 4, height: 3, channels: 3 } })
      .png()
      .toFile(file)
    const input = await decodeImageFile(file, [3, 4, 3])
    expect(Array.from(input)).toEqual(Array.from(pixels, (p) => Math.fround((p - 127.5) / 127.5)))
  })

  it('gives grayscale for a one-channel model, three equal channels for gray input to an RGB model', async () => {
    const gray = Uint8Array.from({ length: 16 }, (_, i) => i * 16)
    const file = join(dir, 'gray.png')
    await sharp(Buffer.from(gray), { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toFile(file)
    expect(Array.from(await decodeImageFile(file, [4, 4, 1]))).toEqual(Array.from(gray, (p) => Math.fround((p - 127.5) / 127.5)))
    const rgb = await decodeImageFile(file, [4, 4, 3])
    for (let i = 0; i < 16; i++)
      expect([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]]).toEqual(Array(3).fill(Math.fround((gray[i] - 127.5) / 127.5)))
    expect((await decodeImageFile(file, [8, 6, 1])).length).toBe(48)
  })

  it('names the file that is not an image', async () => {
    const file = join(dir, 'broken.png')
    writeFileSync(file, Buffer.from('\x89PNG\r\n\x1a\n but then nothing'))
    await expect(decodeImageFile(file, [4, 4, 3])).rejects.toThrow(`${file}: cannot read the image`)
  })
})
