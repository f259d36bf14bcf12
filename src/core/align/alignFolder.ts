// An identity folder of photos (SRC/<identity>/<photo>) → an identity folder of aligned crops
// (DST/<identity>/<photo>.png), in worker threads that each load the face models once. Resumable:
// a crop that exists is done (crops are written atomically, so an existing one is whole), and
// DST/align-report.json records the settings, so a resume with other settings is refused rather
// than mixing two framings in one dataset. Rejected photos are tried again on a resume.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import type { Worker } from 'node:worker_threads'
import type { BackendChoice } from '../backend'
import { IMAGE_EXTENSIONS } from '../data/imageInfo'
import { startWorker } from '../data/workerThread'
import { writeJsonAtomic } from '../util/atomicWrite'
import type { RejectReason } from './alignPhoto'
import type { AlignSettings } from './settings'
import { runAlignJob, type AlignJob, type AlignReply, type FileResult } from './alignJob'
import type { AlignWorkerSetup } from './alignWorker'

export const ALIGN_REPORT = 'align-report.json'

export interface AlignFolderOptions {
  settings: AlignSettings
  /** Worker threads; 0 aligns on the calling thread (which must have a backend active). */
  workers?: number
  /** Backend for the worker threads; by default each picks the fastest available. */
  backend?: BackendChoice
  signal?: AbortSignal
  onProgress?: (progress: AlignProgress) => void
}

export interface AlignProgress {
  done: number
  total: number
  /** The photo just finished, relative to SRC. */
  path: string
  result: FileResult
}

export interface AlignedFile {
  /** Relative to SRC and DST, '/'-separated. */
  source: string
  crop: string
}

export interface RejectedFile {
  source: string
  reason: RejectReason | 'failed'
  detail: string
}

export interface AlignFolderReport {
  source: string
  target: string
  settings: AlignSettings
  status: 'running' | 'complete' | 'cancelled'
  workers: number
  /** The backend the workers run on (the first one's, when they differ). */
  backend?: string
  /** Photos aligned by this run. */
  aligned: AlignedFile[]
  /** Photos whose crop was already in DST (an earlier run). */
  alreadyDone: AlignedFile[]
  rejected: RejectedFile[]
  seconds: number
}

/** One worker per two cores, at most 4: each holds its own backend and models (~300 MB on wasm). */
export function defaultAlignWorkers(): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)))
}

interface PlannedPhoto {
  source: string
  crop: string
}

/** The photos of SRC and where their crops go: `<stem>.png`, or `<name>.png` where stems clash. */
export function planAlignment(sourceRoot: string): PlannedPhoto[] {
  const planned: PlannedPhoto[] = []
  const identities = readdirSync(sourceRoot, { withFileTypes: true })
    .filter(
      (e) =>
        e.isDirectory() || (e.isSymbolicLink() && statSync(join(sourceRoot, e.name), { throwIfNoEntry: false })?.isDirectory())
    )
    .map((e) => e.name)
    .sort()
  for (const identity of identities) {
    const photos = readdirSync(join(sourceRoot, identity))
      .filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort()
    const stems = new Map<string, number>()
    for (const name of photos) stems.set(basename(name, extname(name)), (stems.get(basename(name, extname(name))) ?? 0) + 1)
    for (const name of photos) {
      const stem = basename(name, extname(name))
      planned.push({ source: `${identity}/${name}`, crop: `${identity}/${(stems.get(stem) ?? 0) > 1 ? name : stem}.png` })
    }
  }
  return planned
}

function sameSettings(a: AlignSettings, b: AlignSettings): boolean {
  return (Object.keys(a) as (keyof AlignSettings)[]).every((key) => a[key] === b[key])
}

function describeSettings(s: AlignSettings): string {
  return `size ${s.size}, margin ${s.margin}, min face ${s.minFaceSize}, ${s.multiFace}, ${s.detector}, min score ${s.minScore}`
}

/** Refuses a DST holding crops made with other settings (its report says which). */
function checkEarlierRun(target: string, settings: AlignSettings): void {
  const file = join(target, ALIGN_REPORT)
  if (!existsSync(file)) return
  let earlier: Partial<AlignFolderReport>
  try {
    earlier = JSON.parse(readFileSync(file, 'utf8')) as Partial<AlignFolderReport>
  } catch (error) {
    throw new Error(
      `${file}: unreadable report of an earlier run (${error instanceof Error ? error.message : String(error)}); move it away to start over`
    )
  }
  if (earlier.settings && !sameSettings(earlier.settings, settings)) {
    throw new Error(
      `${target} holds crops aligned with other settings (${describeSettings(earlier.settings)}); choose another folder or the same settings`
    )
  }
}

/** Runs jobs in worker threads, each started once; resolves with the first worker's backend. */
async function runInWorkers(
  jobs: AlignJob[],
  count: number,
  setup: AlignWorkerSetup,
  signal: AbortSignal | undefined,
  onResult: (job: AlignJob, result: FileResult) => void
): Promise<string | undefined> {
  let backend: string | undefined
  let next = 0
  const workers: Worker[] = []
  const stopAll = (): void => workers.forEach((w) => void w.terminate())
  try {
    await Promise.all(
      Array.from(
        { length: Math.min(count, jobs.length) },
        () =>
          new Promise<void>((resolveWorker, rejectWorker) => {
            // '../align/': workerThread starts entries beside itself; the built entry is out/main/align/.
            const worker = startWorker('../align/alignWorker', setup)
            workers.push(worker)
            let current: AlignJob | undefined
            const feed = (): void => {
              if (signal?.aborted || next >= jobs.length) {
                current = undefined
                worker.postMessage('close')
                return
              }
              current = jobs[next++]
              worker.postMessage(current)
            }
            worker.on('message', (reply: AlignReply) => {
              if (reply.type === 'ready') {
                backend ??= reply.backend
                feed()
              } else if (reply.type === 'failed') {
                rejectWorker(new Error(`the alignment worker could not start: ${reply.message}`))
              } else if (current && reply.id === current.id) {
                onResult(current, reply.result)
                feed()
              }
            })
            worker.on('error', (error) =>
              rejectWorker(new Error(`the alignment worker failed${current ? ` on ${current.source}` : ''}: ${error.message}`))
            )
            worker.on('exit', () =>
              current ? rejectWorker(new Error(`the alignment worker stopped on ${current.source}`)) : resolveWorker()
            )
            signal?.addEventListener('abort', () => void worker.terminate(), { once: true })
          })
      )
    )
  } catch (error) {
    stopAll()
    if (signal?.aborted) return backend
    throw error
  }
  return backend
}

/** Aligns SRC into DST (see the module comment) and writes DST/align-report.json. */
export async function alignFolder(source: string, target: string, options: AlignFolderOptions): Promise<AlignFolderReport> {
  const started = performance.now()
  const sourceRoot = resolve(source)
  const targetRoot = resolve(target)
  if (!existsSync(sourceRoot) || !statSync(sourceRoot).isDirectory()) throw new Error(`${source}: not a folder`)
  if (sourceRoot === targetRoot) throw new Error(`the aligned folder must differ from the photo folder (${source})`)
  checkEarlierRun(targetRoot, options.settings)
  const workers = options.workers ?? defaultAlignWorkers()
  const report: AlignFolderReport = {
    source: sourceRoot,
    target: targetRoot,
    settings: options.settings,
    status: 'running',
    workers,
    aligned: [],
    alreadyDone: [],
    rejected: [],
    seconds: 0
  }
  const reportFile = join(targetRoot, ALIGN_REPORT)
  writeJsonAtomic(reportFile, report)

  const jobs: AlignJob[] = []
  const cropOf = new Map<number, string>()
  for (const photo of planAlignment(sourceRoot)) {
    if (existsSync(join(targetRoot, photo.crop))) report.alreadyDone.push(photo)
    else {
      cropOf.set(jobs.length, photo.crop)
      jobs.push({ id: jobs.length, source: join(sourceRoot, photo.source), target: join(targetRoot, photo.crop) })
    }
  }
  const total = jobs.length + report.alreadyDone.length
  let done = report.alreadyDone.length
  const relative = (job: AlignJob): string =>
    job.source
      .slice(sourceRoot.length + 1)
      .split('\\')
      .join('/')
  const onResult = (job: AlignJob, result: FileResult): void => {
    const path = relative(job)
    if (result.status === 'aligned') report.aligned.push({ source: path, crop: cropOf.get(job.id) ?? '' })
    else report.rejected.push({ source: path, reason: result.status, detail: result.detail })
    done++
    options.onProgress?.({ done, total, path, result })
  }

  if (workers > 0) {
    report.backend = await runInWorkers(
      jobs,
      workers,
      { settings: options.settings, backend: options.backend },
      options.signal,
      onResult
    )
  } else {
    for (const job of jobs) {
      if (options.signal?.aborted) break
      onResult(job, await runAlignJob(job, options.settings))
    }
  }
  const byPath = (a: { source: string }, b: { source: string }): number =>
    a.source < b.source ? -1 : a.source > b.source ? 1 : 0
  report.aligned.sort(byPath)
  report.rejected.sort(byPath)
  report.status = options.signal?.aborted ? 'cancelled' : 'complete'
  report.seconds = (performance.now() - started) / 1000
  writeJsonAtomic(reportFile, report)
  return report
}
