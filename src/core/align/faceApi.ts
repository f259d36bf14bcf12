// @vladmandic/face-api (MIT; its weights are face-api.js's): SSD MobileNet v1 and the tiny face
// detector, and the 68-point landmark net. Loaded from the package's own model/ folder, so nothing
// downloads; it runs on whichever tfjs backend src/core/backend activated (the package's Node
// build requires @tensorflow/tfjs, which shares this engine's tfjs-core).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { toUnpacked } from '../appPaths'
import type { Tensor } from '../tf'
import type { FaceDetector } from './settings'

interface FaceApiPoint {
  x: number
  y: number
}
interface FaceApiBox {
  x: number
  y: number
  width: number
  height: number
}
export interface FaceApiResult {
  detection: { score: number; box: FaceApiBox }
  landmarks: { positions: FaceApiPoint[] }
}
interface FaceApiTask {
  withFaceLandmarks(): { run(): Promise<FaceApiResult[]> }
}
interface FaceApiNet {
  loadFromDisk(folder: string): Promise<void>
  isLoaded: boolean
}
/** The part of face-api this module uses (its own typings declare a second copy of tfjs). */
interface FaceApi {
  nets: { ssdMobilenetv1: FaceApiNet; tinyFaceDetector: FaceApiNet; faceLandmark68Net: FaceApiNet }
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults?: number }) => object
  TinyFaceDetectorOptions: new (options: { inputSize: number; scoreThreshold: number }) => object
  detectAllFaces(input: Tensor, options: object): FaceApiTask
}

const PACKAGE = '@vladmandic/face-api'
const requireHere = createRequire(import.meta.url)

/**
 * The package's model/ folder. In a packaged app it lies in app.asar.unpacked (asarUnpack in
 * electron-builder.yml): worker threads read it with plain fs, which does not open asar archives.
 */
export function faceModelDir(): string {
  return toUnpacked(join(dirname(requireHere.resolve(`${PACKAGE}/package.json`)), 'model'))
}

let faceApi: FaceApi | undefined

function loadFaceApi(): FaceApi {
  // The package's main entry needs tfjs-node; this build runs on the tfjs the app supplies.
  faceApi ??= requireHere(`${PACKAGE}/dist/face-api.node-wasm.js`) as FaceApi
  return faceApi
}

/** Loads the detector and the landmark net once per thread; later calls return at once. */
export async function loadFaceModels(detector: FaceDetector, modelDir = faceModelDir()): Promise<FaceApi> {
  const api = loadFaceApi()
  const nets = [detector === 'ssd' ? api.nets.ssdMobilenetv1 : api.nets.tinyFaceDetector, api.nets.faceLandmark68Net]
  for (const net of nets) {
    if (net.isLoaded) continue
    try {
      await net.loadFromDisk(modelDir)
    } catch (error) {
      throw new Error(`cannot load the face models from ${modelDir}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return api
}
