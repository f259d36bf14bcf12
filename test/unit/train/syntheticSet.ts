// A small learnable image set for training tests: `classes` classes of 16×16 images, each a
// class-specific random pattern plus per-image noise, all from one seed.
import type { LabelledImageSet } from '../../../src/core/data'
import { createRng } from '../../../src/core/util/rng'

export function syntheticSet(classes: number, perClass: number, seed: number): LabelledImageSet {
  const size = 16
  const rng = createRng(seed)
  const patterns = Array.from({ length: classes }, () => Float32Array.from({ length: size * size }, () => rng.next() * 2 - 1))
  const count = classes * perClass
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes)
  const noise = Array.from({ length: count }, () => Float32Array.from({ length: size * size }, () => rng.normal() * 0.3))
  return {
    shape: [size, size, 1],
    count,
    classes,
    labels,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    write(index, out, offset) {
      const p = patterns[labels[index]]
      for (let k = 0; k < size * size; k++) out[offset + k] = p[k] + noise[index][k]
    }
  }
}
