// The five-point face template insightface aligns to (arcface_dst, for a 112×112 crop): left eye,
// right eye, nose tip, left and right mouth corners, in pixels of the crop. "Left" is the image's
// left, the person's right eye.
import type { Point } from './similarity'

export const ARCFACE_SIZE = 112

export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041]
]

/**
 * The template for a `size`×`size` crop. `margin` widens the view around the face by that fraction
 * of the crop on every side (0: insightface's own framing; 0.1: the face fills 1/1.2 of it), so
 * the points shrink towards the centre by 1 / (1 + 2 margin) before scaling to `size`.
 */
export function alignmentTemplate(size = ARCFACE_SIZE, margin = 0): Point[] {
  if (!(size >= 16)) throw new Error(`alignment size must be at least 16 pixels, got ${size}`)
  if (!(margin >= 0 && margin <= 1)) throw new Error(`alignment margin must be between 0 and 1, got ${margin}`)
  const centre = ARCFACE_SIZE / 2
  const shrink = 1 / (1 + 2 * margin)
  const scale = size / ARCFACE_SIZE
  return ARCFACE_TEMPLATE.map(([x, y]) => [((x - centre) * shrink + centre) * scale, ((y - centre) * shrink + centre) * scale])
}
