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
 * then shift by (dx, dy). Source coordinates are computed once per row and column (the transform
 * is separable), which keeps the per-value work to a bilinear blend.
 */
export function writeAugmented(
  source: Uint8Array,
  size: number,
  channels: number,
  out: Float32Array,
  offset: number,
  draw: AugmentDraw
): void {
  const { zoom, dx, dy } = draw
  const centre = (size - 1) / 2
  const last = size - 1
  const axis = (i: number, shift: number): number => Math.min(last, Math.max(0, (i - shift - centre) / zoom + centre))
  const x0 = new Int32Array(size)
  const x1 = new Int32Array(size)
  const fx = new Float32Array(size)
  for (let x = 0; x < size; x++) {
    const sx = axis(draw.mirror ? last - x : x, dx)
    x0[x] = Math.floor(sx) * channels
    x1[x] = Math.min(last, Math.floor(sx) + 1) * channels
    fx[x] = sx - Math.floor(sx)
  }
  // value/127.5 − 1, then ·contrast + brightness, folded into one multiply-add.
  const gain = draw.contrast / 127.5
  const bias = draw.brightness - draw.contrast
  const rowBytes = size * channels
  for (let y = 0; y < size; y++) {
    const sy = axis(y, dy)
    const r0 = Math.floor(sy) * rowBytes
    const r1 = Math.min(last, Math.floor(sy) + 1) * rowBytes
    const fy = sy - Math.floor(sy)
    let o = offset + y * rowBytes
    for (let x = 0; x < size; x++) {
      const a = x0[x]
      const b = x1[x]
      const f = fx[x]
      for (let c = 0; c < channels; c++) {
        const top = source[r0 + a + c] + (source[r0 + b + c] - source[r0 + a + c]) * f
        const bottom = source[r1 + a + c] + (source[r1 + b + c] - source[r1 + a + c]) * f
        const v = (top + (bottom - top) * fy) * gain + bias
        out[o++] = v < -1 ? -1 : v > 1 ? 1 : v
      }
    }
  }
}
