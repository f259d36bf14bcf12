// Image files → model input, the way the app normalizes: resized to the model's side, grayscale or
// RGB, each pixel p mapped to (p − 127.5) / 127.5, NHWC.
import sharp from 'sharp'
import type { ImageSource } from '../data/imageSets'

export async function decodeImageFile(file: string, shape: [number, number, number]): Promise<Float32Array> {
  const [h, w, c] = shape
  if (c !== 1 && c !== 3) throw new Error(`cannot feed ${c}-channel images; the model must take 1 (grayscale) or 3 (RGB)`)
  let pixels: Buffer
  try {
    const image = sharp(file, { failOn: 'error' }).resize(w, h, { fit: 'fill' })
    const converted = c === 1 ? image.grayscale() : image.toColourspace('srgb').removeAlpha()
    pixels = await converted.raw().toBuffer()
  } catch (error) {
    throw new Error(`${file}: cannot read the image (${(error as Error).message})`)
  }
  if (pixels.length !== h * w * c) throw new Error(`${file}: decoded to ${pixels.length} values, expected ${h}×${w}×${c}`)
  return Float32Array.from(pixels, (p) => (p - 127.5) / 127.5)
}

/** Decoded images as an ImageSource the app's embedImages reads. */
export async function imageFilesSource(files: string[], shape: [number, number, number]): Promise<ImageSource> {
  const decoded = await Promise.all(files.map((file) => decodeImageFile(file, shape)))
  return { shape, count: files.length, write: (index, out, offset) => out.set(decoded[index], offset) }
}
