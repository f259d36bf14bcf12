// Face alignment on a real photograph (scikit-image's astronaut) and on copies of it moved by
// known similarity transforms: the eyes must land on the template, in the crop as fitted and as
// found again by detecting on the crop; the crops of the moved copies must agree with the
// original's; the crop must be the same as scikit-image's bilinear warp by the same transform;
// photos without a face, with two faces, too small or broken must say so.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { alignPhotoFile, decodePhoto, findFaces, RETRY_DEGREES, type PhotoOutcome } from '../../../src/core/align/alignPhoto'
import { DEFAULT_ALIGN_SETTINGS, type AlignSettings } from '../../../src/core/align/settings'
import { detectFaces, type DetectedFace, type RgbImage } from '../../../src/core/align/detect'
import { applySimilarity, type Point } from '../../../src/core/align/similarity'
import { ARCFACE_TEMPLATE } from '../../../src/core/align/template'
import { tf } from '../../../src/core/tf'
import {
  applyMatrix,
  distance,
  meanAbsoluteDifference,
  pilRgb,
  similarityMatrix,
  skimageWarp,
  writeFacePhotos,
  type Matrix
} from './fixtures'

const MOVED = ['moved-rot-20', 'moved-rot+18-scale0.8', 'moved-scale1.25-shift', 'moved-rot+22-scale0.75']
const [LEFT_EYE, RIGHT_EYE] = ARCFACE_TEMPLATE

let dir: string
let transforms: Record<string, Matrix>
const outcomes = new Map<string, Extract<PhotoOutcome, { status: 'aligned' }>>()

async function aligned(name: string): Promise<Extract<PhotoOutcome, { status: 'aligned' }>> {
  let outcome = outcomes.get(name)
  if (!outcome) {
    const result = await alignPhotoFile(join(dir, `${name}.png`), DEFAULT_ALIGN_SETTINGS)
    if (result.status !== 'aligned') throw new Error(`${name}: ${result.status} (${result.detail})`)
    outcome = result
    outcomes.set(name, outcome)
  }
  return outcome
}

/**
 * The eyes found again on a crop, set on a mid-grey border so the detector sees the whole head
 * (a black border gives it a hard edge to frame instead).
 */
async function eyesFoundOnCrop(crop: RgbImage): Promise<[Point, Point]> {
  const pad = crop.width / 2
  const { data, info } = await sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: '#808080' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const faces = await detectFaces({ data, width: info.width, height: info.height })
  expect(faces.length, 'faces found on the crop').toBeGreaterThanOrEqual(1)
  const [left, right] = faces[0].points
  return [
    [left[0] - pad, left[1] - pad],
    [right[0] - pad, right[1] - pad]
  ]
}

function eyesMapped(outcome: { face: DetectedFace; transform: Parameters<typeof applySimilarity>[0] }): [Point, Point] {
  return [applySimilarity(outcome.transform, outcome.face.points[0]), applySimilarity(outcome.transform, outcome.face.points[1])]
}

/** How much a crop differs from itself moved `pixels` right and down: what a misalignment that size costs. */
async function shiftedMad(crop: RgbImage, pixels: number): Promise<number> {
  const inner = crop.width - pixels
  const region = async (left: number, top: number): Promise<Uint8Array> =>
    new Uint8Array(
      await sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 3 } })
        .extract({ left, top, width: inner, height: inner })
        .raw()
        .toBuffer()
    )
  return meanAbsoluteDifference(await region(0, 0), await region(pixels, pixels))
}

beforeAll(async () => {
  ;({ dir, transforms } = writeFacePhotos())
  await initBackend()
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('alignment of the astronaut photo', () => {
  it('puts the detected eyes within 3 px of the template’s, and detection on the crop finds them there', async () => {
    const outcome = await aligned('astronaut')
    expect(outcome.crop.width).toBe(112)
    expect(outcome.crop.height).toBe(112)
    const [left, right] = eyesMapped(outcome)
    expect(distance(left, LEFT_EYE)).toBeLessThan(3)
    expect(distance(right, RIGHT_EYE)).toBeLessThan(3)
    const [foundLeft, foundRight] = await eyesFoundOnCrop(outcome.crop)
    expect(distance(foundLeft, LEFT_EYE)).toBeLessThan(3)
    expect(distance(foundRight, RIGHT_EYE)).toBeLessThan(3)
  }, 60_000)

  it('the tiny detector (an option) also puts the eyes within 3 px of the template’s', async () => {
    const outcome = await alignPhotoFile(join(dir, 'astronaut.png'), { ...DEFAULT_ALIGN_SETTINGS, detector: 'tiny' })
    if (outcome.status !== 'aligned') throw new Error(`tiny: ${outcome.status} (${outcome.detail})`)
    const [left, right] = eyesMapped(outcome)
    expect(distance(left, LEFT_EYE)).toBeLessThan(3)
    expect(distance(right, RIGHT_EYE)).toBeLessThan(3)
  }, 60_000)

  it('the crop is scikit-image’s bilinear warp of the photo by the same transform (also: RGB, not BGR)', async () => {
    const outcome = await aligned('astronaut')
    const expected = skimageWarp(
      join(dir, 'astronaut.png'),
      similarityMatrix(outcome.transform),
      112,
      join(dir, 'reference-crop.rgb')
    )
    // Measured: 0.003 grey levels (a rounding here and there).
    expect(meanAbsoluteDifference(outcome.crop.data, expected)).toBeLessThan(0.5)
    // The same crop with red and blue swapped is far off: the comparison can tell channel orders apart.
    const swapped = Uint8Array.from(outcome.crop.data, (_, i) => outcome.crop.data[i - (i % 3) + (2 - (i % 3))])
    expect(meanAbsoluteDifference(swapped, expected)).toBeGreaterThan(10)
  }, 60_000)

  it('decodes to the same RGB bytes PIL reads, and a BGR copy decodes with red and blue swapped', async () => {
    const photo = await decodePhoto(join(dir, 'astronaut.png'))
    const reference = pilRgb(join(dir, 'astronaut.png'), join(dir, 'astronaut.rgb'))
    expect(photo.width * photo.height * 3).toBe(reference.length)
    expect(Buffer.from(photo.data).equals(Buffer.from(reference))).toBe(true)
    const bgr = await decodePhoto(join(dir, 'bgr.png'))
    for (let i = 0; i < 3000; i += 3)
      expect([bgr.data[i], bgr.data[i + 1], bgr.data[i + 2]]).toEqual([reference[i + 2], reference[i + 1], reference[i]])
  })
})

describe('alignment of copies moved by known transforms', () => {
  for (const name of MOVED) {
    it(`${name}: eyes within 3 px of the template (fitted and found again), and the crop agrees with the original’s`, async () => {
      const original = await aligned('astronaut')
      const outcome = await aligned(name)
      const [left, right] = eyesMapped(outcome)
      expect(distance(left, LEFT_EYE)).toBeLessThan(3)
      expect(distance(right, RIGHT_EYE)).toBeLessThan(3)
      // The same points of the face land in the same place of both crops: the original's eyes,
      // moved by the known transform and aligned by this copy's fit, against the original's crop.
      const known = transforms[name]
      const originalEyes = eyesMapped(original)
      const viaKnown = original.face.points.slice(0, 2).map((p) => applySimilarity(outcome.transform, applyMatrix(known, p)))
      expect(distance(viaKnown[0], originalEyes[0])).toBeLessThan(3)
      expect(distance(viaKnown[1], originalEyes[1])).toBeLessThan(3)
      const [foundLeft, foundRight] = await eyesFoundOnCrop(outcome.crop)
      expect(distance(foundLeft, LEFT_EYE)).toBeLessThan(3)
      expect(distance(foundRight, RIGHT_EYE)).toBeLessThan(3)
      const mad = meanAbsoluteDifference(outcome.crop.data, original.crop.data)
      // Resampling a smaller or turned face blurs it, so the crops are not identical; they must
      // differ less than the original's crop differs from itself moved by 2 px (measured: 8–12
      // grey levels against ~19).
      expect(mad).toBeLessThan(await shiftedMad(original.crop, 2))
    }, 60_000)
  }
})

describe('faces the detector misses upright', () => {
  it('are searched in the photo turned each way, and their points are turned back onto the photo', async () => {
    const photo = await decodePhoto(join(dir, 'astronaut.png'))
    const direct = await detectFaces(photo)
    // A detector that misses the face upright (as SSD does on some turned faces) and sees the turned copies.
    let turnedSearches = 0
    const found = await findFaces(photo, { detector: 'ssd', minScore: 0.5 }, (image, options) => {
      if (image === photo) return Promise.resolve([])
      turnedSearches++
      return detectFaces(image, options)
    })
    expect(turnedSearches).toBeGreaterThanOrEqual(1)
    expect(turnedSearches).toBeLessThanOrEqual(RETRY_DEGREES.length)
    expect(found).toHaveLength(1)
    // Landmarks on a turned copy differ by their own noise, a pixel or two, from those upright.
    for (const i of [0, 1, 2]) expect(distance(found[0].points[i], direct[0].points[i])).toBeLessThan(3)
    const centre = (f: DetectedFace): Point => [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2]
    expect(distance(centre(found[0]), centre(direct[0]))).toBeLessThan(10)
  }, 60_000)
})

describe('photos that cannot be aligned as asked', () => {
  const settings = (changes: Partial<AlignSettings>): AlignSettings => ({ ...DEFAULT_ALIGN_SETTINGS, ...changes })

  it('a photo without a face reports "no face"', async () => {
    expect(await alignPhotoFile(join(dir, 'coffee.png'), DEFAULT_ALIGN_SETTINGS)).toEqual({
      status: 'no-face',
      detail: 'no face found'
    })
  }, 60_000)

  it('two faces: "largest" aligns the larger one, "skip" reports several faces', async () => {
    const outcome = await alignPhotoFile(join(dir, 'pair.png'), settings({ multiFace: 'largest' }))
    if (outcome.status !== 'aligned') throw new Error(`pair: ${outcome.status}`)
    expect(outcome.faces).toBe(2)
    // The chosen face's eyes are the original's eyes where the larger copy was placed.
    const original = await aligned('astronaut')
    for (const i of [0, 1]) {
      expect(distance(outcome.face.points[i], applyMatrix(transforms['pair-large'], original.face.points[i]))).toBeLessThan(3)
    }
    const skipped = await alignPhotoFile(join(dir, 'pair.png'), settings({ multiFace: 'skip' }))
    expect(skipped.status).toBe('several-faces')
    expect(skipped.status !== 'aligned' && skipped.detail).toMatch(/^2 faces/)
  }, 60_000)

  it('a face below the minimum size is "too small"; it no longer counts towards "several faces"', async () => {
    const tooSmall = await alignPhotoFile(join(dir, 'astronaut.png'), settings({ minFaceSize: 400 }))
    expect(tooSmall).toMatchObject({ status: 'too-small', detail: expect.stringMatching(/below the minimum of 400 px/) })
    // The smaller astronaut of the pair is ~55 px wide, the larger ~90.
    const pair = await alignPhotoFile(join(dir, 'pair.png'), settings({ multiFace: 'skip', minFaceSize: 70 }))
    expect(pair.status).toBe('aligned')
  }, 60_000)

  it('sizes are in the file’s pixels when a large photo is shrunk for detection; greyscale photos decode to RGB', async () => {
    const large = join(dir, 'astronaut-2048.png')
    await sharp(join(dir, 'astronaut.png')).resize(2048, 2048).toFile(large)
    const decoded = await decodePhoto(large)
    expect([decoded.width, decoded.height, decoded.scale]).toEqual([1600, 1600, 1600 / 2048])
    // The face is ~330 px wide in the file, ~260 px as decoded.
    expect((await alignPhotoFile(large, settings({ minFaceSize: 300 }))).status).toBe('aligned')
    expect((await alignPhotoFile(large, settings({ minFaceSize: 400 }))).status).toBe('too-small')
    const grey = join(dir, 'astronaut-grey.png')
    await sharp(join(dir, 'astronaut.png')).greyscale().toFile(grey)
    const greyPhoto = await decodePhoto(grey)
    expect(greyPhoto.data.length).toBe(greyPhoto.width * greyPhoto.height * 3)
  }, 60_000)

  it('truncated and non-image files are "unreadable" with the decoder’s reason, not a crash', async () => {
    const broken = join(dir, 'broken')
    mkdirSync(broken)
    const png = await sharp(join(dir, 'astronaut.png')).png().toBuffer()
    writeFileSync(join(broken, 'truncated.png'), png.subarray(0, png.length / 3))
    const jpeg = await sharp(join(dir, 'astronaut.png')).jpeg().toBuffer()
    writeFileSync(join(broken, 'truncated.jpg'), jpeg.subarray(0, jpeg.length / 2))
    writeFileSync(join(broken, 'text.jpg'), 'not a picture')
    for (const file of ['truncated.png', 'truncated.jpg', 'text.jpg']) {
      const outcome = await alignPhotoFile(join(broken, file), DEFAULT_ALIGN_SETTINGS)
      expect(outcome.status, file).toBe('unreadable')
      expect(outcome.status !== 'aligned' && outcome.detail.length, file).toBeGreaterThan(5)
    }
  })

  it('leaves no tensors behind beyond the models’ weights', async () => {
    const before = tf.memory().numTensors
    await alignPhotoFile(join(dir, 'astronaut.png'), DEFAULT_ALIGN_SETTINGS)
    await alignPhotoFile(join(dir, 'coffee.png'), DEFAULT_ALIGN_SETTINGS)
    expect(tf.memory().numTensors).toBe(before)
  }, 60_000)
})
