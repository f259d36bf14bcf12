// Encoded image → the model's input: centre-cropped and resized to size×size, in the model's colour
// layout (RGB or gray), as uint8. Scaling to [-1, 1] and augmentation happen later (augment.ts)
// so the same decoded pixels serve every epoch's different augmentation.
import sharp, { type Sharp } from 'sharp'
import { decodeBmp } from './bmp'
import { MAX_INPUT_PIXELS, oversize, sniffImage } from './imageInfo'

export { MAX_INPUT_PIXELS }

/** An image that cannot be used, with the file (or record) it came from and why. */
export class ImageDecodeError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string
  ) {
    super(`${source}: ${problem}`)
    this.name = 'ImageDecodeError'
  }
}

async function oversizeProblem(bytes: Uint8Array): Promise<string> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata()
  return oversize(meta.width ?? 0, meta.height ?? 0) ?? 'image over the pixel limit'
}

/** Converts interleaved pixels between 1 and 3 channels (gray = BT.601 luma of RGB). */
function toChannels(data: Uint8Array, from: number, to: 1 | 3): Uint8Array {
  if (from === to) return data
  const pixels = data.length / from
  const out = new Uint8Array(pixels * to)
  for (let p = 0; p < pixels; p++) {
    if (to === 3) {
      out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = data[p * from]
    } else {
      out[p] = Math.round(0.299 * data[p * from] + 0.587 * data[p * from + 1] + 0.114 * data[p * from + 2])
    }
  }
  return out
}

/**
 * Decodes `bytes` into size·size·channels uint8 values (NHWC row-major). Throws ImageDecodeError
 * naming `source` for anything unreadable: unknown format, truncated data, oversized images.
 */
export async function decodeToInput(bytes: Uint8Array, size: number, channels: 1 | 3, source: string): Promise<Uint8Array> {
  const kind = sniffImage(bytes)
  if (!kind) throw new ImageDecodeError(source, 'not a JPEG, PNG, WebP or BMP image')
  let pipeline: Sharp
  try {
    if (kind === 'bmp') {
      const raw = decodeBmp(bytes, MAX_INPUT_PIXELS)
      pipeline = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } })
    } else {
      // failOn 'warning': a JPEG libjpeg calls corrupt decodes to garbage pixels; skip it instead.
      pipeline = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'warning' }).rotate()
    }
    // Always RGB out of libvips, then gray (BT.601 luma) here: the same conversion for every format.
    pipeline = pipeline.resize(size, size, { fit: 'cover', position: 'centre' }).removeAlpha().toColourspace('srgb')
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true })
    return toChannels(new Uint8Array(data.buffer, data.byteOffset, data.length), info.channels, channels)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (/pixel limit/i.test(message)) throw new ImageDecodeError(source, await oversizeProblem(bytes).catch(() => message))
    // libvips sometimes reports only that a warning was fatal, not which one.
    const reason = /warning treated as error/i.test(message) ? 'corrupt image data (the decoder warned)' : message.split('\n')[0]
    throw new ImageDecodeError(source, `cannot decode ${kind.toUpperCase()}: ${reason}`)
  }
}
