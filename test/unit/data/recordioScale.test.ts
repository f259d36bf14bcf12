// RecordIO at the size where per-record JS values and spread arguments used to fail ("Maximum call
// stack size exceeded" at 200,000 images): sets written by Python (scripts/write-large-rec.py,
// PIL + struct) indexed, inspected and read back through a loader worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { indexRecordIO } from '../../../src/core/data/recordioIndex'
import { indexTrainingData } from '../../../src/core/data/trainingIndex'
import { inspectDataset } from '../../../src/core/data/inspect'
import { openTrainingData } from '../../../src/core/data/open'
import { PYTHON } from '../../helpers/python'
import { tempDir } from './fixtures'

const WRITER = fileURLToPath(new URL('../../../scripts/write-large-rec.py', import.meta.url))
const IMAGES = 300_000
const IDENTITIES = 3_000
const PER_IDENTITY = IMAGES / IDENTITIES

let dir: string
let rec: string

function writeLargeRec(path: string, images: number, identities: number, ...flags: string[]): void {
  mkdirSync(join(path, '..'), { recursive: true })
  execFileSync(PYTHON, [WRITER, path, String(images), String(identities), '--fast', '--size', '4', ...flags])
}

/** The writer's colour for an identity (its PNGs are that colour, uniformly). */
function colourOf(identity: number): number[] {
  return [((identity * 37) % 200) + 30, ((identity * 91) % 200) + 30, ((identity * 53) % 200) + 30]
}

beforeAll(() => {
  dir = tempDir('dsoftmax-rec-scale-')
  rec = join(dir, 'large', 'train.rec')
  writeLargeRec(rec, IMAGES, IDENTITIES)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe(`RecordIO with ${IMAGES} images of ${IDENTITIES} identities`, () => {
  it('indexes every image with its identity, at the offsets the .idx lists', () => {
    const index = indexRecordIO(rec)
    expect(index.problems).toEqual([])
    expect(index.classes).toBe(IDENTITIES)
    expect(index.property).toEqual({ classes: IDENTITIES, height: 4, width: 4 })
    expect(index.labels.length).toBe(IMAGES)
    expect(index.offsets.buffer).toBeInstanceOf(SharedArrayBuffer)
    const idxOffsets = new Map(
      readFileSync(join(dir, 'large', 'train.idx'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('\t').map(Number) as [number, number])
    )
    let wrongLabels = 0
    let wrongOffsets = 0
    for (let k = 0; k < IMAGES; k++) {
      if (index.labels[k] !== Math.floor(k / PER_IDENTITY)) wrongLabels++
      if (index.offsets[k] !== idxOffsets.get(k + 1)) wrongOffsets++
    }
    expect({ wrongLabels, wrongOffsets }).toEqual({ wrongLabels: 0, wrongOffsets: 0 })
  })

  it('inspects with the right counts: identities and images from the index, image checks from a sample', async () => {
    const report = await inspectDataset(rec)
    expect(report).toMatchObject({ format: 'recordio', identities: IDENTITIES, images: IMAGES, sampled: 100_000 })
    expect(report.imagesPerIdentity).toMatchObject({
      min: PER_IDENTITY,
      median: PER_IDENTITY,
      max: PER_IDENTITY,
      mean: PER_IDENTITY
    })
    expect(report.sizes).toEqual([{ size: '4×4', images: 100_000 }])
    expect(report.kinds).toEqual({ png: 100_000 })
    expect(report.problems).toMatchObject({
      unreadable: [],
      singleImageIdentities: [],
      emptyIdentities: [],
      duplicates: [],
      other: []
    })
  })

  it('a loader worker reads the right image for each label', async () => {
    const data = await openTrainingData(rec, { inputSize: 8, channels: 3, workers: 1, cacheDir: dir })
    try {
      const source = data.batches({ batchSize: 64, seed: 3 })
      const batch = await source.next()
      const pixels = 8 * 8 * 3
      for (let i = 0; i < batch.count; i++) {
        const rgb = [0, 1, 2].map((c) => Math.round((batch.images[i * pixels + c] + 1) * 127.5))
        expect(rgb).toEqual(colourOf(batch.labels[i]))
      }
      await source.close()
    } finally {
      await data.close()
    }
  })

  it('a plain (im2rec) set of 200,000 images is labelled from each record header', async () => {
    const plain = join(dir, 'plain', 'train.rec')
    writeLargeRec(plain, 200_000, 2_000, '--no-header')
    const index = await indexTrainingData(plain, 'recordio', null)
    expect(index.problems).toEqual([])
    expect(index.classNames.length).toBe(2_000)
    const counts = new Int32Array(2_000)
    for (const label of index.labels) counts[label]++
    expect(counts.every((count) => count === 100)).toBe(true)
  })
})
