// Adapts the bundled font dataset to the trainer's and evaluator's interfaces: identity labels
// (one class per font of a split) or character labels, and the split's verification pairs.
import type { FontDataset } from './fontDataset'
import { writeGrayImage, type ImageSource, type LabelledImageSet, type PairSet } from './imageSets'

export type FontSplit = 'train' | 'val' | 'test'

/** Every glyph image of the dataset, indexed font·62 + character. Ink is high, background −1. */
function glyphSource(dataset: FontDataset): ImageSource {
  const size = dataset.size
  const pixels = size * size
  return {
    shape: [size, size, 1],
    count: dataset.images.length / pixels,
    write(index, out, offset, options = {}) {
      const shift = options.augment?.shift ?? 0
      const rng = options.rng
      const dx = shift > 0 && rng ? rng.int(2 * shift + 1) - shift : 0
      const dy = shift > 0 && rng ? rng.int(2 * shift + 1) - shift : 0
      const mirror = options.mirror === true || (options.augment?.flip === true && rng !== undefined && rng.next() < 0.5)
      writeGrayImage(dataset.images, index * pixels, size, out, offset, dx, dy, mirror, -1)
    }
  }
}

/** The glyphs of one split's fonts, labelled by font (identity) or by character. */
export function fontImageSet(dataset: FontDataset, split: FontSplit, labelBy: 'font' | 'character' = 'font'): LabelledImageSet {
  const source = glyphSource(dataset)
  const fonts = dataset.split[split]
  const perFont = dataset.chars.length
  const imageIndex = new Int32Array(fonts.length * perFont)
  const labels = new Int32Array(fonts.length * perFont)
  fonts.forEach((font, f) => {
    for (let ch = 0; ch < perFont; ch++) {
      imageIndex[f * perFont + ch] = font * perFont + ch
      labels[f * perFont + ch] = labelBy === 'font' ? f : ch
    }
  })
  return {
    shape: source.shape,
    count: imageIndex.length,
    classes: labelBy === 'font' ? fonts.length : perFont,
    labels,
    classNames: labelBy === 'font' ? fonts.map((f) => dataset.fonts[f].name) : [...dataset.chars],
    write: (index, out, offset, options) => source.write(imageIndex[index], out, offset, options)
  }
}

export function fontPairSet(dataset: FontDataset, split: 'val' | 'test'): PairSet {
  return { name: `fonts-${split}`, images: glyphSource(dataset), pairs: dataset.pairs[split] }
}
