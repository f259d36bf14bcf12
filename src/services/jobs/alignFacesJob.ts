/**
 * `datasets:align` as a job: the same alignFolder as `dataset align` (its own worker threads under
 * this job's thread, so cancelling the job ends them too), then a sample of the crops and of the
 * rejected photos as small PNG data URLs for the Datasets view's grids.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { AlignFacesResult } from '../../common/contract'
import { alignFolder } from '../../core/align/alignFolder'
import type { AlignSettings } from '../../core/align/settings'
import type { Progress } from './protocol'

/** Crops and rejects shown in each grid: enough to judge the result, light to send. */
const SAMPLE = 24
const THUMBNAIL_PX = 96

export interface AlignFacesInput {
  source: string
  target: string
  settings: AlignSettings
}

async function photoThumbnail(file: string): Promise<string | undefined> {
  try {
    const png = await sharp(file, { failOn: 'error' })
      .rotate()
      .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside' })
      .png()
      .toBuffer()
    return `data:image/png;base64,${png.toString('base64')}`
  } catch {
    return undefined
  }
}

export async function alignFacesJob(input: AlignFacesInput, progress: Progress): Promise<Omit<AlignFacesResult, 'entry'>> {
  progress(null, 'Loading the face models')
  const report = await alignFolder(input.source, input.target, {
    settings: input.settings,
    onProgress: (p) => progress(p.done / Math.max(1, p.total), `Aligned ${p.done}/${p.total}: ${p.path}`)
  })
  const shown = [...report.aligned, ...report.alreadyDone].slice(0, SAMPLE)
  const crops = shown.map((a) => ({
    path: a.crop,
    dataUrl: `data:image/png;base64,${readFileSync(join(report.target, a.crop)).toString('base64')}`
  }))
  const rejected = await Promise.all(
    report.rejected.map(async (r, i) => {
      const dataUrl = i < SAMPLE && r.reason !== 'unreadable' ? await photoThumbnail(join(report.source, r.source)) : undefined
      return { source: r.source, reason: r.reason, detail: r.detail, ...(dataUrl ? { dataUrl } : {}) }
    })
  )
  return {
    target: report.target,
    status: report.status === 'cancelled' ? 'cancelled' : 'complete',
    aligned: report.aligned.length,
    alreadyDone: report.alreadyDone.length,
    rejected,
    seconds: report.seconds,
    workers: report.workers,
    ...(report.backend ? { backend: report.backend } : {}),
    crops
  }
}
