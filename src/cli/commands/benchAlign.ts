// `bench align`: `dataset align` on a folder of a few hundred photos (scikit-image's astronaut under
// random rotations, scales and shifts, written by test/helpers/align-fixtures.py), per worker
// count: photos per second and the peak resident memory of the process (all its threads).
import { execFileSync, fork } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { alignFolder, defaultAlignWorkers } from '../../core/align/alignFolder'
import { DEFAULT_ALIGN_SETTINGS } from '../../core/align/settings'
import { UsageError, type CliIo } from '../io'

export interface AlignBenchResult {
  photos: number
  workers: number
  backend: string
  aligned: number
  /** Rejected photos by reason ('no-face': …). */
  rejected: Record<string, number>
  seconds: number
  photosPerSecond: number
  /** Peak resident set of the aligning process, worker threads included. */
  peakRssMiB: number
}

/** Debian's python3 with scikit-image, or $PYTHON. */
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3'
const WRITER = fileURLToPath(new URL('../../../test/helpers/align-fixtures.py', import.meta.url))

function countPhotos(dir: string): number {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .reduce((n, e) => n + readdirSync(join(dir, e.name)).length, 0)
}

/** The photo folder, written once per size into the system's temporary folder. */
function photoFolder(count: number): string {
  const dir = join(tmpdir(), `dsoftmax-bench-align-${count}`)
  if (existsSync(dir) && countPhotos(dir) === count) return dir
  rmSync(dir, { recursive: true, force: true })
  try {
    execFileSync(PYTHON, [WRITER, dir, '--bench', String(count)], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (error) {
    throw new Error(
      `writing the benchmark photos needs ${PYTHON} with scikit-image and Pillow (Debian: python3-skimage, python3-pil): ${error instanceof Error ? error.message : String(error)}`
    )
  }
  return dir
}

/** One measurement in this process (run as a child, so each worker count has its own peak). */
async function measureOnce(photos: string, workers: number): Promise<AlignBenchResult> {
  const target = mkdtempSync(join(tmpdir(), 'dsoftmax-bench-aligned-'))
  try {
    const started = performance.now()
    const report = await alignFolder(photos, target, { settings: DEFAULT_ALIGN_SETTINGS, workers })
    const seconds = (performance.now() - started) / 1000
    const count = report.aligned.length + report.rejected.length
    return {
      photos: count,
      workers,
      backend: report.backend ?? 'unknown',
      aligned: report.aligned.length,
      rejected: report.rejected.reduce<Record<string, number>>(
        (counts, r) => ({ ...counts, [r.reason]: (counts[r.reason] ?? 0) + 1 }),
        {}
      ),
      seconds,
      photosPerSecond: count / seconds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024
    }
  } finally {
    rmSync(target, { recursive: true, force: true })
  }
}

function measureInChild(photos: string, workers: number): Promise<AlignBenchResult> {
  const entry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../index.ts' : '../index.js', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = fork(entry, ['bench', 'align', '--child', photos, '--workers', String(workers)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc']
    })
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as AlignBenchResult)
        : reject(new Error(`align benchmark child exited with code ${code}`))
    )
  })
}

export async function benchAlign(argv: string[], io: CliIo): Promise<AlignBenchResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: { photos: { type: 'string' }, workers: { type: 'string' }, child: { type: 'string' }, quick: { type: 'boolean' } }
  })
  const workerCounts = (values.workers ?? [...new Set([1, defaultAlignWorkers(), 2])].sort((a, b) => a - b).join(','))
    .split(',')
    .map(Number)
  if (!workerCounts.every((n) => Number.isInteger(n) && n >= 1))
    throw new UsageError('--workers takes whole numbers ≥ 1, comma-separated')
  if (values.child) {
    io.stdout(JSON.stringify(await measureOnce(values.child, workerCounts[0])))
    return []
  }
  const count = Number(values.photos ?? (values.quick ? 60 : 300))
  if (!Number.isInteger(count) || count < 1) throw new UsageError('--photos takes a whole number ≥ 1')
  const photos = photoFolder(count)
  io.stdout(
    `Face alignment (dataset align, ${DEFAULT_ALIGN_SETTINGS.detector} detector, ${DEFAULT_ALIGN_SETTINGS.size}×${DEFAULT_ALIGN_SETTINGS.size}) of ${count} photos (640×640 JPEG) in ${photos}:\n`
  )
  const results: AlignBenchResult[] = []
  for (const workers of workerCounts) {
    const r = await measureInChild(photos, workers)
    results.push(r)
    io.stdout(
      `  ${workers} worker${workers === 1 ? '' : 's'} (${r.backend}): ${r.photosPerSecond.toFixed(2)} photos/s (${r.seconds.toFixed(1)} s including model loading), ` +
        `${r.aligned}/${r.photos} aligned${
          Object.keys(r.rejected).length
            ? ` (rejected: ${Object.entries(r.rejected)
                .map(([reason, n]) => `${reason} ${n}`)
                .join(', ')})`
            : ''
        }, ` +
        `peak RSS ${r.peakRssMiB.toFixed(0)} MiB\n`
    )
  }
  return results
}
