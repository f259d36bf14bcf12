// What an alignment is asked to do. Kept free of the engine's imports, so hosts can read the
// defaults without loading tfjs.
export type FaceDetector = 'ssd' | 'tiny'
export const FACE_DETECTORS: readonly FaceDetector[] = ['ssd', 'tiny']

export type MultiFacePolicy = 'largest' | 'skip'
export const MULTI_FACE_POLICIES: readonly MultiFacePolicy[] = ['largest', 'skip']

export interface AlignSettings {
  /** Side of the square crop in pixels (insightface: 112). */
  size: number
  /** Extra view around the face, as a fraction of the crop on each side (see alignmentTemplate). */
  margin: number
  /** Faces whose detection box is narrower or shorter than this (pixels of the photo) are too small. */
  minFaceSize: number
  multiFace: MultiFacePolicy
  detector: FaceDetector
  /** Detections scoring below this are not faces (0–1). */
  minScore: number
}

export const DEFAULT_ALIGN_SETTINGS: AlignSettings = {
  size: 112,
  margin: 0,
  minFaceSize: 40,
  multiFace: 'largest',
  detector: 'ssd',
  minScore: 0.5
}
