// Faces in a decoded photo: a detection box and score, and the five alignment points taken from
// face-api's 68 landmarks (iBUG 300-W numbering, 0-based).
import { tf } from '../tf'
import { loadFaceModels, type FaceApiResult } from './faceApi'
import type { FaceDetector } from './settings'
import type { Point } from './similarity'

/** A decoded photo: 8-bit RGB, row by row, no alpha. */
export interface RgbImage {
  data: Uint8Array
  width: number
  height: number
}

export interface DetectedFace {
  score: number
  box: { x: number; y: number; width: number; height: number }
  /** Left eye centre, right eye centre, nose tip, left and right mouth corners ("left": the image's). */
  points: Point[]
}

export interface DetectOptions {
  detector: FaceDetector
  /** Detections scoring below this are dropped (0–1). */
  minScore: number
}

export const DEFAULT_DETECT_OPTIONS: DetectOptions = { detector: 'ssd', minScore: 0.5 }

// The tiny detector's input side: 416 found the faces SSD found on our test photos, 320 missed some.
const TINY_INPUT_SIZE = 416

function mean(points: { x: number; y: number }[]): Point {
  return [points.reduce((s, p) => s + p.x, 0) / points.length, points.reduce((s, p) => s + p.y, 0) / points.length]
}

/** The five template points from 68 landmarks: eye centres (36–41, 42–47), nose tip 30, mouth corners 48 and 54. */
export function fivePoints(landmarks: readonly { x: number; y: number }[]): Point[] {
  if (landmarks.length !== 68) throw new Error(`expected 68 landmarks, got ${landmarks.length}`)
  const at = (i: number): Point => [landmarks[i].x, landmarks[i].y]
  return [mean(landmarks.slice(36, 42)), mean(landmarks.slice(42, 48)), at(30), at(48), at(54)]
}

function toFace(result: FaceApiResult): DetectedFace {
  const { x, y, width, height } = result.detection.box
  return { score: result.detection.score, box: { x, y, width, height }, points: fivePoints(result.landmarks.positions) }
}

/** Every face in `image`, best score first. The models load on the first call in each thread. */
export async function detectFaces(image: RgbImage, options: DetectOptions = DEFAULT_DETECT_OPTIONS): Promise<DetectedFace[]> {
  const api = await loadFaceModels(options.detector)
  const detectorOptions =
    options.detector === 'ssd'
      ? new api.SsdMobilenetv1Options({ minConfidence: options.minScore })
      : new api.TinyFaceDetectorOptions({ inputSize: TINY_INPUT_SIZE, scoreThreshold: options.minScore })
  // face-api wants int32 0–255 RGB of rank 3: floats scaled to 0–1 find nothing, 4 channels throw.
  const input = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32')
  try {
    // run(): the task's own then() drops rejections, so awaiting the task could never fail.
    const results = await api.detectAllFaces(input, detectorOptions).withFaceLandmarks().run()
    return results.map(toFace).sort((a, b) => b.score - a.score)
  } finally {
    input.dispose()
  }
}
