// Decoded uint8 pixels → model floats in [-1, 1], with the seeded augmentation of one example:
// horizontal flip, zoom, shift (bilinear resampling, edges replicated) and brightness/contrast.
import type { Rng } from '../util/rng'
import type { Augmentation } from './imageSets'

export interface AugmentDraw {
  mirror: boolean
  zoom: number
  dx: number
  dy: number
  brightness: number
  contrast: number
}

const IDENTITY: AugmentDraw = { mirror: false, zoom: 1, dx: 0, dy: 0, brightness: 0, contrast: 1 }

/** Draws one example's augmentation; always consumes the same number of values for a given config. */
export function drawAugmentation(augment: Augmentation | undefined, rng: Rng | undefined, mirror = false): AugmentDraw {
  if (!augment || !rng) return { ...IDENTITY, mirror }
  const symmetric = (limit: number): number => (limit > 0 ? (2 * rng.next() - 1) * limit : 0)
  return {
    mirror: mirror || (augment.flip && rng.next() < 0.5),
    zoom: 1 + symmetric(augment.scale ?? 0),
    dx: symmetric(augment.shift),
    dy: symmetric(augment.shift),
    brightness: symmetric(augment.brightness ?? 0),
    contrast: 1 + symmetric(augment.contrast ?? 0)
  }
}

/**
 * Writes a size×size×channels uint8 image into `out` at `offset` as floats in [-1, 1], applying
 * `draw`. Output pixel (x, y) samples the source at the inverse of: mirror, zoom about the centre,
 * then shift by (dx, dy).
 */
export function writeAugmented(source: Uint8Array, size: number, channels: number, out: Float32Array, offset: number, draw: AugmentDraw): void {
  const { zoom, dx, dy, brightness, contrast } = draw
  const plain = zoom === 1 && dx === 0 && dy === 0
  const centre = (size - 1) / 2
  const last = size - 1
  for (let y = 0; y < size; y++) {
    const sy = Math.min(last, Math.max(0, (y - dy - centre) / zoom + centre))
    const y0 = Math.floor(sy)
    const y1 = Math.min(last, y0 + 1)
    const fy = sy - y0
    for (let x = 0; x < size; x++) {
      const tx = draw.mirror ? last - x : x
      const o = offset + (y * size + x) * channels
      if (plain) {
        const s = (y * size + tx) * channels
        for (let c = 0; c < channels; c++) out[o + c] = tone(source[s + c], contrast, brightness)
        continue
      }
      const sx = Math.min(last, Math.max(0, (tx - dx - centre) / zoom + centre))
      const x0 = Math.floor(sx)
      const x1 = Math.min(last, x0 + 1)
      const fx = sx - x0
      for (let c = 0; c < channels; c++) {
        const top = source[(y0 * size + x0) * channels + c] * (1 - fx) + source[(y0 * size + x1) * channels + c] * fx
        const bottom = source[(y1 * size + x0) * channels + c] * (1 - fx) + source[(y1 * size + x1) * channels + c] * fx
        out[o + c] = tone(top * (1 - fy) + bottom * fy, contrast, brightness)
      }
    }
  }
}

function tone(value: number, contrast: number, brightness: number): number {
  const v = (value / 127.5 - 1) * contrast + brightness
  return v < -1 ? -1 : v > 1 ? 1 : v
}
