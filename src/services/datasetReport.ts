/**
 * A dataset's report as the app shows it: the engine's InspectReport, its problem count, and a few
 * thumbnails. Built inside the dataset job worker (jobs/dataJobs.ts), never on a host's main thread.
 */
import type { DatasetReport } from '../common/contract'
import type { InspectReport } from '../core/data/inspect'
import { openPairSet, openTrainingData } from '../core/data/open'
import { pngDataUrl, sourceImageDataUrl } from './images'
import type { Progress } from './jobs/protocol'

const THUMBNAILS = 8
const THUMB_SIZE = 64

function problemCount(p: InspectReport['problems']): number {
  return p.unreadable.length + p.singleImageIdentities.length + p.emptyIdentities.length + p.duplicates.length + p.other.length
}

/** One image for each of the first few identities (training data) or the first images (pairs). */
async function thumbnailsOf(report: InspectReport): Promise<DatasetReport['thumbnails']> {
  const pairs = report.format === 'bin' || report.format === 'pairs-txt' || report.format === 'pairs-csv'
  if (pairs) {
    const set = await openPairSet(report.path, { inputSize: THUMB_SIZE, channels: 3 })
    const count = Math.min(THUMBNAILS, set.images.count)
    return Promise.all(
      Array.from({ length: count }, async (_, i) => ({
        identity: `image ${i + 1}`,
        dataUrl: await sourceImageDataUrl(set.images, i)
      }))
    )
  }
  if (report.images === 0) return []
  const data = await openTrainingData(report.path, { inputSize: THUMB_SIZE, channels: 3, workers: 0 })
  try {
    const sample = await data.sample(Math.min(data.examples, THUMBNAILS * 6), 1)
    const pixels = THUMB_SIZE * THUMB_SIZE * 3
    const seen = new Set<number>()
    const out: DatasetReport['thumbnails'] = []
    for (let i = 0; i < sample.count && out.length < THUMBNAILS; i++) {
      const label = sample.labels[i]
      if (seen.has(label)) continue
      seen.add(label)
      out.push({
        identity: data.classNames[label] ?? `identity ${label}`,
        dataUrl: await pngDataUrl(sample.images.subarray(i * pixels, (i + 1) * pixels), [THUMB_SIZE, THUMB_SIZE, 3])
      })
    }
    return out
  } finally {
    await data.close()
  }
}

export function toDatasetReport(report: InspectReport, thumbnails: DatasetReport['thumbnails']): DatasetReport {
  const pairs = report.format === 'bin' || report.format === 'pairs-txt' || report.format === 'pairs-csv'
  return {
    path: report.path,
    format: report.format,
    role: pairs ? 'pairs' : 'training',
    identities: report.identities,
    images: report.images,
    ...(report.pairs ? { pairs: report.pairs } : {}),
    imagesPerIdentity: report.imagesPerIdentity,
    sizes: report.sizes,
    ...(report.sampled !== undefined ? { sampled: report.sampled } : {}),
    problems: report.problems,
    problemCount: problemCount(report.problems),
    thumbnails,
    seconds: report.seconds
  }
}

/** The report with thumbnails; a dataset too broken to decode still gets its report, without previews. */
export async function datasetReport(report: InspectReport, progress: Progress): Promise<DatasetReport> {
  progress(0.8, 'Making thumbnails')
  const thumbnails = await thumbnailsOf(report).catch(() => [])
  return toDatasetReport(report, thumbnails)
}
