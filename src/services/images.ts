/** Small previews: one model-input image (NHWC floats in [-1, 1]) as a PNG data URL. */
import sharp from 'sharp'
import type { ImageSource } from '../core/data/imageSets'

/** PNG data URL of `pixels` (h·w·c floats in [-1, 1]), scaled up to at least `minSize` px. */
export async function pngDataUrl(pixels: Float32Array, shape: readonly [number, number, number], minSize = 64): Promise<string> {
  const [height, width, channels] = shape
  const bytes = Buffer.alloc(height * width * channels)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(-1, pixels[i])) * 127.5 + 127.5)
  let image = sharp(bytes, { raw: { width, height, channels: channels as 1 | 3 } })
  if (Math.max(width, height) < minSize)
    image = image.resize({ width: minSize, height: Math.round((minSize * height) / width), kernel: 'nearest' })
  const png = await image.png().toBuffer()
  return `data:image/png;base64,${png.toString('base64')}`
}

/** PNG data URL of one image of an ImageSource. */
export async function sourceImageDataUrl(source: ImageSource, index: number): Promise<string> {
  const [h, w, c] = source.shape
  const out = new Float32Array(h * w * c)
  source.write(index, out, 0)
  return pngDataUrl(out, source.shape)
}
