// What `alignFolder` and its worker threads say to each other, and the step both run after a photo
// is aligned: writing the crop.
import { writeFileAtomic } from '../util/atomicWrite'
import { alignPhotoFile, encodeCrop, type PhotoOutcome, type RejectReason } from './alignPhoto'
import type { AlignSettings } from './settings'

export interface AlignJob {
  id: number
  source: string
  target: string
}

/** A photo's result as reported: 'failed' is an aligned crop that could not be written. */
export type FileResult = { status: 'aligned'; score: number; faces: number } | { status: RejectReason | 'failed'; detail: string }

export type AlignReply =
  { type: 'ready'; backend: string } | { type: 'failed'; message: string } | { type: 'done'; id: number; result: FileResult }

/** Writes an aligned crop to the job's target (PNG, atomically) and says what happened. */
export async function saveCrop(outcome: PhotoOutcome, job: AlignJob): Promise<FileResult> {
  if (outcome.status !== 'aligned') return { status: outcome.status, detail: outcome.detail }
  writeFileAtomic(job.target, await encodeCrop(outcome.crop))
  return { status: 'aligned', score: outcome.face.score, faces: outcome.faces }
}

/** Aligns the job's photo and writes its crop; any failure becomes the photo's result. */
export async function runAlignJob(job: AlignJob, settings: AlignSettings): Promise<FileResult> {
  try {
    return await saveCrop(await alignPhotoFile(job.source, settings), job)
  } catch (error) {
    return { status: 'failed', detail: error instanceof Error ? error.message.split('\n')[0] : String(error) }
  }
}
