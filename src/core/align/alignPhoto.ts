// One photo → one aligned crop: decode, find the faces, pick one by the policy, fit the five
// points to the template, warp. Every way a photo can fail is an outcome, never an exception.
import sharp from 'sharp'
import { detectFaces, type DetectedFace, type DetectOptions, type RgbImage } from './detect'
import type { AlignSettings } from './settings'
import { applySimilarity, fitSimilarity, invertSimilarity, type Similarity } from './similarity'
import { alignmentTemplate } from './template'
import { warpImage, warpToCrop } from './warp'

export type RejectReason = 'no-face' | 'several-faces' | 'too-small' | 'unreadable'

export type PhotoOutcome =
  | { status: 'aligned'; crop: RgbImage; face: DetectedFace; transform: Similarity; faces: number }
  | { status: RejectReason; detail: string }

/** Photos larger than this on their longer side are shrunk before detection (memory, speed). */
export const MAX_PHOTO_SIDE = 1600

/** A decoded photo and its scale against the file's own pixels (below 1 where it was shrunk). */
export type DecodedPhoto = RgbImage & { scale: number }

/** Decodes a photo file to RGB, upright (EXIF orientation applied), at most MAX_PHOTO_SIDE wide or high. */
export async function decodePhoto(file: string | Uint8Array): Promise<DecodedPhoto> {
  const source = sharp(file, { failOn: 'error' })
  const { width = 0, height = 0 } = await source.metadata()
  const longest = Math.max(width, height)
  const { data, info } = await source
    .rotate()
    .resize({ width: MAX_PHOTO_SIDE, height: MAX_PHOTO_SIDE, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected RGB`)
  const scale = longest > 0 ? Math.max(info.width, info.height) / longest : 1
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, scale }
}

function area(face: DetectedFace): number {
  return face.box.width * face.box.height
}

/**
 * The face to align under the policy, or why there is none. Sizes are in the file's pixels:
 * `scale` is the decoded photo's against the file's (see decodePhoto).
 */
export function chooseFace(
  faces: DetectedFace[],
  settings: Pick<AlignSettings, 'minFaceSize' | 'multiFace'>,
  scale = 1
): DetectedFace | { status: RejectReason; detail: string } {
  if (!faces.length) return { status: 'no-face', detail: 'no face found' }
  const sizeText = (face: DetectedFace): string =>
    `${Math.round(face.box.width / scale)}×${Math.round(face.box.height / scale)} px`
  // Faces below the minimum size (people far behind) do not count as "several".
  const usable = faces.filter((f) => Math.min(f.box.width, f.box.height) / scale >= settings.minFaceSize)
  if (!usable.length) {
    const largest = faces.reduce((a, b) => (area(b) > area(a) ? b : a))
    return { status: 'too-small', detail: `largest face ${sizeText(largest)}, below the minimum of ${settings.minFaceSize} px` }
  }
  if (usable.length > 1 && settings.multiFace === 'skip')
    return { status: 'several-faces', detail: `${usable.length} faces (${usable.map(sizeText).join(', ')})` }
  return usable.reduce((a, b) => (area(b) > area(a) ? b : a))
}

/** The transform that takes a face's five points to the template of a crop of these settings. */
export function alignmentTransform(face: DetectedFace, settings: Pick<AlignSettings, 'size' | 'margin'>): Similarity {
  return fitSimilarity(face.points, alignmentTemplate(settings.size, settings.margin))
}

/**
 * The detectors find upright faces and miss many turned by more than about 15°. When a photo shows
 * none, it is searched again turned each way by this much, and what is found is turned back.
 */
export const RETRY_DEGREES = [25, -25]

/** Faces in the photo as it is, else in the photo turned by RETRY_DEGREES (points in the photo's frame). */
export async function findFaces(
  image: RgbImage,
  detect: DetectOptions,
  detector: typeof detectFaces = detectFaces
): Promise<DetectedFace[]> {
  const faces = await detector(image, detect)
  if (faces.length) return faces
  for (const degrees of RETRY_DEGREES) {
    const radians = (degrees * Math.PI) / 180
    const a = Math.cos(radians)
    const b = Math.sin(radians)
    // Turned about its centre on a canvas of its own size: the corners are lost, but the faces keep
    // their size relative to the frame (SSD scores faces shrunk on a larger canvas much lower).
    const [cx, cy] = [image.width / 2, image.height / 2]
    const turn = { a, b, tx: cx - (a * cx - b * cy), ty: cy - (b * cx + a * cy) }
    const found = await detector(await warpImage(image, turn, image.width, image.height), detect)
    if (!found.length) continue
    const back = invertSimilarity(turn)
    return found.map((face) => {
      const [x, y] = applySimilarity(back, [face.box.x + face.box.width / 2, face.box.y + face.box.height / 2])
      return {
        ...face,
        box: { ...face.box, x: x - face.box.width / 2, y: y - face.box.height / 2 },
        points: face.points.map((p) => applySimilarity(back, p))
      }
    })
  }
  return []
}

/** Aligns a decoded photo (`scale`: its size against the file's, for the minimum face size). */
export async function alignImage(image: RgbImage, settings: AlignSettings, scale = 1): Promise<PhotoOutcome> {
  const detect: DetectOptions = { detector: settings.detector, minScore: settings.minScore }
  const faces = await findFaces(image, detect)
  const chosen = chooseFace(faces, settings, scale)
  if ('status' in chosen) return chosen
  const transform = alignmentTransform(chosen, settings)
  const crop = await warpToCrop(image, transform, settings.size)
  return { status: 'aligned', crop, face: chosen, transform, faces: faces.length }
}

/** Aligns a photo file; an unreadable file is an outcome naming what is wrong. */
export async function alignPhotoFile(file: string, settings: AlignSettings): Promise<PhotoOutcome> {
  let image: DecodedPhoto
  try {
    image = await decodePhoto(file)
  } catch (error) {
    return { status: 'unreadable', detail: error instanceof Error ? error.message.split('\n')[0] : String(error) }
  }
  return alignImage(image, settings, image.scale)
}

/** PNG bytes of a crop. */
export async function encodeCrop(crop: RgbImage): Promise<Buffer> {
  return sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .png()
    .toBuffer()
}
