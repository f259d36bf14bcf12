// The images of a run's own data, as the app feeds them to the model: the bundled fonts (a split,
// labelled as the run was) or a dataset on disk opened through openTrainingData.
import { fontImageSet, loadFontDataset, type FontSplit } from '../data'
import type { ImageSource } from '../data/imageSets'
import { openTrainingData } from '../data/open'
import type { RunRecipe } from './runLoader'
import type { RealImages } from './validate'

export interface RunImages {
  source: ImageSource
  /** Images to use, in order. */
  indices: number[]
  labels: Int32Array
  classNames: string[]
  description: string
}

export interface RunImagesOptions {
  /** Bundled fonts: which split (default test). */
  split?: FontSplit
  /** At most this many images (evenly spaced over a font split; a seeded sample of a dataset on disk). */
  limit?: number
  seed?: number
}

function evenlySpaced(total: number, limit: number): number[] {
  const n = Math.min(total, limit)
  return Array.from({ length: n }, (_, i) => Math.floor((i * total) / n))
}

export async function openRunImages(
  recipe: RunRecipe,
  shape: [number, number, number],
  options: RunImagesOptions = {}
): Promise<RunImages> {
  const [size, , channels] = shape
  if (recipe.dataset === 'fonts' || recipe.dataset === 'fonts-chars') {
    if (channels !== 1 || size !== 32)
      throw new Error(`the bundled fonts are 32×32 grayscale; this model takes ${size}×${size}×${channels}`)
    const split = options.split ?? 'test'
    const set = fontImageSet(await loadFontDataset(), split, recipe.dataset === 'fonts-chars' ? 'character' : 'font')
    const indices = evenlySpaced(set.count, options.limit ?? set.count)
    return {
      source: set,
      indices,
      labels: Int32Array.from(indices, (i) => set.labels[i]),
      classNames: set.classNames,
      description: `${indices.length} images of the bundled fonts (${split} split${indices.length < set.count ? `, evenly spaced over ${set.count}` : ''})`
    }
  }
  if (!recipe.dataPath) throw new Error(`the run's dataset "${recipe.dataset}" is neither the bundled fonts nor a path on disk`)
  if (channels !== 1 && channels !== 3) throw new Error(`cannot read images with ${channels} channels`)
  const data = await openTrainingData(recipe.dataPath, { inputSize: size, channels, workers: 0 })
  try {
    const sample = await data.sample(options.limit ?? data.examples, options.seed ?? 1)
    const pixels = size * size * channels
    const source: ImageSource = {
      shape,
      count: sample.count,
      write: (index, out, offset) => out.set(sample.images.subarray(index * pixels, (index + 1) * pixels), offset)
    }
    return {
      source,
      indices: Array.from({ length: sample.count }, (_, i) => i),
      labels: sample.labels,
      classNames: data.classNames,
      description: `${sample.count} images sampled from ${recipe.dataPath}`
    }
  } finally {
    await data.close()
  }
}

/** 32 real images for the export check, or why there are none. */
export async function validationImages(recipe: RunRecipe, shape: [number, number, number]): Promise<RealImages> {
  try {
    const images = await openRunImages(recipe, shape, { limit: 32 })
    return { source: images.source, indices: images.indices, description: images.description }
  } catch (error) {
    return { unavailable: (error as Error).message }
  }
}
