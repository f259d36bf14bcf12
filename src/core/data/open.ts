// One entry point per use: training data (identity folder or RecordIO) as a streaming BatchSource,
// and verification sets (.bin, pairs.txt, pairs CSV) decoded into memory for the evaluator.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { BatchSource, BatchSourceOptions } from './batches'
import { epochOrder } from './batches'
import { fillBatch } from './batchFill'
import { ExampleReader } from './exampleStore'
import { defaultCacheDir } from './indexCache'
import type { PairSet } from './imageSets'
import { defaultLoaderWorkers, streamingBatches } from './loader'
import { loadPairSet } from './pairSets'
import { indexTrainingData } from './trainingIndex'

export type DatasetFormat = 'folder' | 'recordio' | 'bin' | 'pairs-txt' | 'pairs-csv'

export interface TrainingData {
  path: string
  format: DatasetFormat
  classes: number
  examples: number
  classNames: string[]
  /** The model input [h, w, c] the images are converted to. */
  shape: [number, number, number]
  /** Images skipped while indexing (unreadable), with their paths and why. */
  problems: { path: string; problem: string }[]
  batches(options: BatchSourceOptions): BatchSource
  /** A few decoded examples as a LabelledImageSet-like sync source, for export validation / previews. */
  sample(count: number, seed: number): Promise<{ images: Float32Array; labels: Int32Array; count: number }>
  close(): Promise<void>
}

export interface OpenOptions {
  inputSize: number
  channels: 1 | 3
  /** Where indexes are cached (default: defaultCacheDir(), never inside the dataset). */
  cacheDir?: string
  /** Loader worker threads (default: one per core, at most 8; 0 = decode on the calling thread). */
  workers?: number
}

/** The format of a dataset path, from its name and (for folders) its contents. */
export function detectFormat(path: string): { format: DatasetFormat; file: string } {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`)
  if (statSync(path).isDirectory()) {
    const rec = join(path, 'train.rec')
    return existsSync(rec) ? { format: 'recordio', file: rec } : { format: 'folder', file: path }
  }
  const lower = path.toLowerCase()
  if (lower.endsWith('.rec')) return { format: 'recordio', file: path }
  if (lower.endsWith('.bin')) return { format: 'bin', file: path }
  if (lower.endsWith('.csv')) return { format: 'pairs-csv', file: path }
  if (lower.endsWith('.txt')) return { format: 'pairs-txt', file: path }
  throw new Error(`${path}: not a dataset this app reads (an identity folder, a .rec, a .bin, a pairs .txt or .csv)`)
}

export async function openTrainingData(path: string, options: OpenOptions): Promise<TrainingData> {
  const { inputSize, channels } = options
  if (!Number.isInteger(inputSize) || inputSize < 8) throw new Error(`input size must be a whole number ≥ 8, got ${inputSize}`)
  const { format, file } = detectFormat(path)
  if (format !== 'folder' && format !== 'recordio') {
    throw new Error(`${path} is a verification set (${format}), not training data: use it for validation (--val)`)
  }
  const index = await indexTrainingData(file, format, options.cacheDir ?? defaultCacheDir())
  const shape: [number, number, number] = [inputSize, inputSize, channels]
  const workers = options.workers ?? defaultLoaderWorkers()
  const open = new Set<BatchSource>()
  return {
    path,
    format: index.format,
    classes: index.classNames.length,
    examples: index.labels.length,
    classNames: index.classNames,
    shape,
    problems: index.problems,
    batches(batchOptions) {
      const source = streamingBatches(
        { store: index.store, labels: index.labels, classes: index.classNames.length, shape, workers },
        batchOptions
      )
      open.add(source)
      return source
    },
    async sample(count, seed) {
      const take = Math.min(count, index.labels.length)
      const reader = new ExampleReader(index.store)
      try {
        const job = { position: 0, indices: epochOrder(index.labels.length, seed, 0).slice(0, take), seed }
        const filled = await fillBatch(job, { reader, size: inputSize, channels, bad: new Set() })
        return { images: filled.images, labels: Int32Array.from(filled.used, (i) => index.labels[i]), count: take }
      } finally {
        reader.close()
      }
    },
    async close() {
      await Promise.all([...open].map((source) => source.close()))
      open.clear()
    }
  }
}

/** A verification set (.bin, pairs.txt over a folder, pairs CSV) decoded into memory, ready for the evaluator. */
export async function openPairSet(
  path: string,
  options: { inputSize: number; channels: 1 | 3; imagesRoot?: string }
): Promise<PairSet> {
  const { format, file } = detectFormat(path)
  if (format !== 'bin' && format !== 'pairs-txt' && format !== 'pairs-csv') {
    throw new Error(`${path} is training data (${format}), not a verification set: give a .bin, a pairs.txt or a pairs .csv`)
  }
  return loadPairSet(file, format, options)
}
