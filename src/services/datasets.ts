/**
 * `datasets:*`: inspect a dataset on disk (the engine's report plus a few thumbnails, made in a
 * worker thread) and keep the workspace's list of added datasets in <workspace>/datasets.json
 * (atomic writes).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { z } from 'zod'
import { HostError, type DatasetEntry, type DatasetReport } from '../common/contract'
import { datasetEntrySchema } from '../common/schemas/datasets'
import { loadFontDataset } from '../core/data'
import { writeJsonAtomic } from '../core/util/atomicWrite'
import type { ServiceContext } from './context'
import { createJobPool } from './jobs/runner'
import { expandUserPath } from './paths'
import type { Task } from './tasks'

const storeSchema = z.object({ version: z.literal(1), datasets: z.array(datasetEntrySchema) })

/**
 * The JavaScript heap an inspection may use. Index arrays of millions of records live outside the
 * heap; what grows inside it is the sample's entries and the report: a 6 M-image .rec needs a few
 * hundred MiB. Past the cap the inspection's worker is stopped, never the host.
 */
export const INSPECTION_HEAP_MIB = 1024

/** Inspects a dataset off the host's main thread: the report with its thumbnails. */
export type DatasetInspector = (path: string, decode: boolean, task?: Task) => Promise<DatasetReport>

/**
 * Each inspection gets a worker thread of its own, with a capped heap, ended when it answers:
 * cancelling ends it, a file that needs too much memory fails only its own inspection, and the
 * host's event loop never runs the parsing.
 */
export function workerInspector(heapMiB = INSPECTION_HEAP_MIB): DatasetInspector {
  return async (path, decode, task) => {
    const pool = createJobPool({ resourceLimits: { maxOldGenerationSizeMb: heapMiB } })
    try {
      return await pool.run('inspect-dataset', { path, decode }, task)
    } finally {
      await pool.close()
    }
  }
}

export class DatasetsService {
  private bundled: DatasetEntry | null = null

  constructor(
    private readonly ctx: ServiceContext,
    private readonly inspector: DatasetInspector = workerInspector()
  ) {}

  private get file(): string {
    return join(this.ctx.workspace(), 'datasets.json')
  }

  private readStore(): DatasetEntry[] {
    if (!existsSync(this.file)) return []
    try {
      return storeSchema.parse(JSON.parse(readFileSync(this.file, 'utf8'))).datasets
    } catch (error) {
      throw new HostError(
        'failed',
        `${this.file} is not a dataset list this app wrote (${(error as Error).message}); move it aside to start a new list`
      )
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
    return this.inspector(resolved, options.decode === true, options.task)
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
