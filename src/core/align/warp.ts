// The aligned crop: the photo warped by a similarity transform with sharp's affine (bilinear, as
// OpenCV's warpAffine in insightface), outside the photo black.
import sharp from 'sharp'
import type { RgbImage } from './detect'
import type { Similarity } from './similarity'

/**
 * Crop pixel (X, Y) shows the photo at T⁻¹(X, Y). sharp's affine applies only the linear part and
 * sizes its output to the rounded bounding box of the transformed photo's corners, whatever the
 * translation (odx/ody move the content inside that box). So the translation's fraction goes to
 * odx/ody, and its whole part becomes the offset of an extract from that box, padded with black
 * where the crop reaches past the photo.
 */
export function warpToCrop(image: RgbImage, transform: Similarity, size: number): Promise<RgbImage> {
  return warpImage(image, transform, size, size)
}

/** The photo warped by `transform` onto a width×height canvas (see warpToCrop). */
export async function warpImage(image: RgbImage, transform: Similarity, width: number, height: number): Promise<RgbImage> {
  const { a, b, tx, ty } = transform
  const corners = [
    [0, 0],
    [image.width, 0],
    [0, image.height],
    [image.width, image.height]
  ].map(([x, y]) => [a * x - b * y, b * x + a * y])
  const originX = Math.round(Math.min(...corners.map((p) => p[0])))
  const originY = Math.round(Math.min(...corners.map((p) => p[1])))
  const wholeX = Math.floor(tx)
  const wholeY = Math.floor(ty)
  const warped = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .affine([a, -b, b, a], {
      interpolator: sharp.interpolators.bilinear,
      odx: tx - wholeX,
      ody: ty - wholeY,
      background: '#000000'
    })
    .raw()
    .toBuffer({ resolveWithObject: true })
  // The crop's top-left in the warped canvas, and the part of the crop the canvas covers.
  const left = -wholeX - originX
  const top = -wholeY - originY
  const x0 = Math.max(0, left)
  const y0 = Math.max(0, top)
  const x1 = Math.min(warped.info.width, left + width)
  const y1 = Math.min(warped.info.height, top + height)
  if (x1 <= x0 || y1 <= y0) return { data: new Uint8Array(width * height * 3), width, height }
  const { data } = await sharp(warped.data, { raw: { width: warped.info.width, height: warped.info.height, channels: 3 } })
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .extend({ left: x0 - left, top: y0 - top, right: left + width - x1, bottom: top + height - y1, background: '#000000' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height }
}
