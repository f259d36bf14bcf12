// The trainer and the evaluator see data through these two small interfaces, so any dataset
// format (the bundled glyphs now, folders and RecordIO later) plugs in the same way.
import type { Rng } from '../util/rng'
import type { Augmentation } from '../../common/schemas/recipe'

/** The recipe's augmentation settings (defined with the recipe in src/common). */
export type { Augmentation } from '../../common/schemas/recipe'

export interface ImageSource {
  /** Example shape [height, width, channels]. */
  shape: [number, number, number]
  count: number
  /**
   * Writes example `index` into `out` at `offset` (height·width·channels floats, NHWC, scaled to
   * [-1, 1]), augmented when `augment` is given, mirrored when `mirror` is true.
   */
  write(index: number, out: Float32Array, offset: number, options?: { augment?: Augmentation; rng?: Rng; mirror?: boolean }): void
}

export interface LabelledImageSet extends ImageSource {
  classes: number
  labels: Int32Array
  /** Name of each class, for reports. */
  classNames: string[]
}

export interface VerificationPair {
  a: number
  b: number
  same: boolean
}

export interface PairSet {
  name: string
  images: ImageSource
  /** In protocol order: ten contiguous folds. */
  pairs: VerificationPair[]
}

/** Copies a uint8 single-channel image into floats in [-1, 1], shifted and/or mirrored. */
export function writeGrayImage(
  source: Uint8Array,
  sourceOffset: number,
  size: number,
  out: Float32Array,
  offset: number,
  dx: number,
  dy: number,
  mirror: boolean,
  background: number
): void {
  for (let y = 0; y < size; y++) {
    const sy = y - dy
    for (let x = 0; x < size; x++) {
      const tx = mirror ? size - 1 - x : x
      const sx = tx - dx
      const inside = sy >= 0 && sy < size && sx >= 0 && sx < size
      out[offset + y * size + x] = inside ? source[sourceOffset + sy * size + sx] / 127.5 - 1 : background
    }
  }
}
