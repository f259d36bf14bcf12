/**
 * `datasets:*`: inspect a dataset on disk (the engine's report plus a few thumbnails) and keep
 * the workspace's list of added datasets in <workspace>/datasets.json (atomic writes).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { z } from 'zod'
import { HostError, type DatasetEntry, type DatasetReport } from '../common/contract'
import { datasetEntrySchema } from '../common/schemas/datasets'
import { loadFontDataset } from '../core/data'
import { inspectDataset, type InspectReport } from '../core/data/inspect'
import { openPairSet, openTrainingData } from '../core/data/open'
import { writeJsonAtomic } from '../core/util/atomicWrite'
import type { ServiceContext } from './context'
import { pngDataUrl, sourceImageDataUrl } from './images'
import { expandUserPath } from './paths'
import type { Task } from './tasks'

const THUMBNAILS = 8
const THUMB_SIZE = 64
const storeSchema = z.object({ version: z.literal(1), datasets: z.array(datasetEntrySchema) })

function problemCount(p: InspectReport['problems']): number {
  return p.unreadable.length + p.singleImageIdentities.length + p.emptyIdentities.length + p.duplicates.length + p.other.length
}

/** One image for each of the first few identities (training data) or the first images (pairs). */
async function thumbnailsOf(report: InspectReport): Promise<DatasetReport['thumbnails']> {
  const pairs = report.format === 'bin' || report.format === 'pairs-txt' || report.format === 'pairs-csv'
  if (pairs) {
    const set = await openPairSet(report.path, { inputSize: THUMB_SIZE, channels: 3 })
    const count = Math.min(THUMBNAILS, set.images.count)
    return Promise.all(Array.from({ length: count }, async (_, i) => ({ identity: `image ${i + 1}`, dataUrl: await sourceImageDataUrl(set.images, i) })))
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
      out.push({ identity: data.classNames[label] ?? `identity ${label}`, dataUrl: await pngDataUrl(sample.images.subarray(i * pixels, (i + 1) * pixels), [THUMB_SIZE, THUMB_SIZE, 3]) })
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

export class DatasetsService {
  private bundled: DatasetEntry | null = null

  constructor(private readonly ctx: ServiceContext) {}

  private get file(): string {
    return join(this.ctx.workspace(), 'datasets.json')
  }

  private readStore(): DatasetEntry[] {
    if (!existsSync(this.file)) return []
    try {
      return storeSchema.parse(JSON.parse(readFileSync(this.file, 'utf8'))).datasets
    } catch (error) {
      throw new HostError('failed', `${this.file} is not a dataset list this app wrote (${(error as Error).message}); move it aside to start a new list`)
    }
  }

  private writeStore(datasets: DatasetEntry[]): void {
    writeJsonAtomic(this.file, { version: 1, datasets })
    this.ctx.emit('datasets:changed', this.listSync(datasets))
  }

  private listSync(stored: DatasetEntry[]): DatasetEntry[] {
    return this.bundled ? [this.bundled, ...stored] : stored
  }

  /** The bundled font identities: always present, first in the list. */
  private async bundledEntry(): Promise<DatasetEntry> {
    if (!this.bundled) {
      const fonts = await loadFontDataset()
      this.bundled = {
        id: 'bundled-fonts',
        name: 'Bundled font identities',
        path: '',
        format: 'bundled',
        role: 'training',
        identities: fonts.fonts.length,
        images: fonts.fonts.length * fonts.chars.length,
        pairs: fonts.pairs.val.length + fonts.pairs.test.length,
        problemCount: 0,
        bundled: true,
        addedAt: new Date(0).toISOString()
      }
    }
    return this.bundled
  }

  async list(): Promise<DatasetEntry[]> {
    const bundled = await this.bundledEntry().catch(() => null)
    return bundled ? [bundled, ...this.readStore()] : this.readStore()
  }

  /** Examples and identities of a dataset added before (to size a recipe), or null. */
  sizeOf(path: string): { examples: number; classes: number } | null {
    try {
      const entry = this.readStore().find((d) => d.path === path && d.role === 'training')
      return entry ? { examples: entry.images, classes: entry.identities } : null
    } catch {
      return null
    }
  }

  async inspect(path: string, options: { decode?: boolean; task?: Task } = {}): Promise<DatasetReport> {
    const resolved = expandUserPath(path)
    if (!existsSync(resolved)) throw new HostError('not-found', `${resolved}: no such file or folder`)
    options.task?.progress(null, `Inspecting ${resolved}`)
    let report: InspectReport
    try {
      report = await inspectDataset(resolved, { decode: options.decode === true })
    } catch (error) {
      throw new HostError('bad-request', (error as Error).message)
    }
    if (options.task?.signal.aborted) throw new HostError('cancelled', 'inspection cancelled')
    options.task?.progress(0.8, `Making thumbnails of ${basename(resolved)}`)
    // A dataset too broken to decode still gets its report; only the previews are missing.
    const thumbnails = await thumbnailsOf(report).catch(() => [])
    return toDatasetReport(report, thumbnails)
  }

  async add(path: string, name: string | undefined, task?: Task): Promise<{ entry: DatasetEntry; report: DatasetReport }> {
    const report = await this.inspect(path, { task })
    const entry: DatasetEntry = {
      id: createHash('sha1').update(report.path).digest('hex').slice(0, 12),
      name: name ?? basename(report.path),
      path: report.path,
      format: report.format,
      role: report.role,
      identities: report.identities,
      images: report.images,
      ...(report.pairs ? { pairs: report.pairs.total } : {}),
      problemCount: report.problemCount,
      bundled: false,
      addedAt: new Date().toISOString()
    }
    await this.bundledEntry().catch(() => null)
    this.writeStore([entry, ...this.readStore().filter((d) => d.id !== entry.id)])
    return { entry, report }
  }

  async remove(id: string): Promise<DatasetEntry[]> {
    if (id === 'bundled-fonts') throw new HostError('bad-request', 'the bundled dataset is part of the app and cannot be removed')
    const stored = this.readStore()
    if (!stored.some((d) => d.id === id)) throw new HostError('not-found', `no dataset "${id}" in this workspace`)
    await this.bundledEntry().catch(() => null)
    this.writeStore(stored.filter((d) => d.id !== id))
    return this.list()
  }
}
