// The real images of the export check come from the run's own data: the bundled fonts, or a
// dataset folder on disk read through openTrainingData.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { openRunImages, validationImages } from '../../../src/core/export/runImages'
import type { RunRecipe } from '../../../src/core/export/runLoader'

const dir = mkdtempSync(join(tmpdir(), 'export-runimages-'))
process.env.DSOFTMAX_CACHE_DIR = join(dir, 'cache')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const recipe = (over: Partial<RunRecipe>): RunRecipe => ({
  backbone: 'glyph-cnn',
  embeddingDim: 8,
  inputSize: 32,
  loss: 'dsoftmax',
  dataset: 'fonts',
  raw: {},
  ...over
})

describe("the run's images", () => {
  it('takes 32 glyphs evenly spaced over a font split, labelled as the run was', async () => {
    const chars = await openRunImages(recipe({ dataset: 'fonts-chars' }), [32, 32, 1], { limit: 32 })
    expect(chars.indices).toHaveLength(32)
    expect(chars.description).toMatch(/^32 images of the bundled fonts \(test split, evenly spaced over \d+\)$/)
    // Identity i·62 + c of a split is character c: labelled by character, as a fonts-chars run is.
    expect(chars.classNames).toHaveLength(62)
    chars.indices.forEach((index, i) => expect(chars.labels[i]).toBe(index % 62))
  })

  it('samples a dataset folder on disk at the model input, with its identities', async () => {
    const root = join(dir, 'faces')
    for (const [who, shade] of [
      ['ann', 40],
      ['bob', 200]
    ] as const) {
      mkdirSync(join(root, who), { recursive: true })
      for (let k = 0; k < 2; k++) {
        await sharp({ create: { width: 20, height: 24, channels: 3, background: { r: shade, g: shade + k, b: 10 } } })
          .png()
          .toFile(join(root, who, `${k}.png`))
      }
    }
    const images = await openRunImages(recipe({ dataset: 'files', dataPath: root }), [16, 16, 3], { limit: 32 })
    expect(images.indices).toHaveLength(4)
    expect(images.classNames).toEqual(['ann', 'bob'])
    const pixel = new Float32Array(16 * 16 * 3)
    const byLabel = new Map<number, number>()
    images.indices.forEach((i) => {
      images.source.write(i, pixel, 0)
      byLabel.set(images.labels[i], pixel[0])
    })
    expect(byLabel.get(0)).toBeCloseTo((40 - 127.5) / 127.5, 1)
    expect(byLabel.get(1)).toBeCloseTo((200 - 127.5) / 127.5, 1)
  })

  it('says why there are no real images rather than failing the export', async () => {
    const real = await validationImages(recipe({ dataset: 'files', dataPath: join(dir, 'missing') }), [16, 16, 3])
    expect(real).toEqual({ unavailable: expect.stringContaining('missing') })
    const wrong = await validationImages(recipe({}), [64, 64, 3])
    expect(wrong).toEqual({ unavailable: 'the bundled fonts are 32×32 grayscale; this model takes 64×64×3' })
  })
})
