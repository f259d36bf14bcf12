// The RecordIO part of `bench data`: a large insightface-layout set written by Python
// (scripts/write-large-rec.py: one PNG per identity, each record made distinct by a text chunk),
// then the figures that decide whether MS1M-sized sets are usable: how long indexing takes and
// what it holds in memory, how long inspection takes, and the loader's images/s reading records at
// random over the whole file.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspectDataset } from '../../core/data/inspect'
import type { CliIo } from '../io'
import type { DataBenchResult } from './benchData'

export interface RecordIOBenchResult extends DataBenchResult {
  records: number
  identities: number
  /** Seconds Python took to write the set (for scale: not a figure of this app). */
  writeSeconds: number
  indexSeconds: number
  /** Peak RSS of a process that only indexes the set, and how much of it is above its RSS before. */
  indexPeakRssMiB: number
  indexPeakAboveStartMiB: number
  inspectSeconds: number
}

/** Debian's python3, or $PYTHON (a Python with numpy and Pillow elsewhere). */
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3'
const WRITER = fileURLToPath(new URL('../../../scripts/write-large-rec.py', import.meta.url))
const PER_IDENTITY = 60

export interface RecordIOBenchOptions {
  dir: string
  records: number
  workerCounts: number[]
  size: number
  /** The loader measurement of benchData, on a dataset path with a worker count. */
  measure: (path: string, workers: number, source: string) => Promise<DataBenchResult>
}

/** Python with PIL and numpy, which the writer needs; null when present, else why not. */
function pythonMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`
  try {
    execFileSync(PYTHON, ['-c', 'import PIL, numpy'], { stdio: 'ignore' })
    return null
  } catch {
    return `${PYTHON} lacks PIL or numpy (Debian: python3-pil, python3-numpy)`
  }
}

/**
 * Indexes `rec` in a fresh process (run the way this one runs: node with tsx's hooks), so the
 * peak RSS is the index's own and not what earlier benchmarks left in this heap.
 */
function indexInChild(rec: string): { seconds: number; images: number; classes: number; startMiB: number; peakMiB: number } {
  const module = new URL('../../core/data/recordioIndex.ts', import.meta.url).href
  const code =
    `const startMiB = process.memoryUsage().rss / 2 ** 20; import(${JSON.stringify(module)}).then((m) => {` +
    ' const t = performance.now(); const index = m.indexRecordIO(process.argv[1]);' +
    ' console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, images: index.labels.length, classes: index.classes,' +
    ' startMiB, peakMiB: process.resourceUsage().maxRSS / 1024 })) })'
  const child = spawnSync(process.execPath, [...process.execArgv, '-e', code, rec], { encoding: 'utf8' })
  if (child.status !== 0)
    throw new Error(`indexing ${rec} in a child process failed: ${child.stderr.trim().split('\n').slice(-3).join(' ')}`)
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as ReturnType<typeof indexInChild>
}

export async function benchRecordIO(options: RecordIOBenchOptions, io: CliIo): Promise<RecordIOBenchResult[]> {
  const missing = pythonMissing()
  if (missing) {
    io.stdout(`\nRecordIO: skipped — the set is written by Python and ${missing}\n`)
    return []
  }
  const { dir, records, size } = options
  const identities = Math.max(1, Math.round(records / PER_IDENTITY))
  const rec = join(dir, 'train.rec')
  mkdirSync(dir, { recursive: true })
  const written = JSON.parse(
    execFileSync(PYTHON, [WRITER, rec, String(records), String(identities), '--fast', '--size', String(size)], {
      encoding: 'utf8'
    })
  ) as { bytes: number; seconds: number }
  io.stdout(
    `\nRecordIO: ${records} records of ${identities} identities (${size}×${size} PNG, ${(written.bytes / 2 ** 20).toFixed(0)} MiB), ` +
      `written by Python in ${written.seconds.toFixed(1)} s.\n`
  )

  const index = indexInChild(rec)
  const indexPeakAboveStartMiB = index.peakMiB - index.startMiB
  const inspected = await inspectDataset(rec)
  io.stdout(
    `  index: ${index.seconds.toFixed(2)} s for ${index.images} images of ${index.classes} identities; ` +
      `peak RSS of a process that only indexes ${index.peakMiB.toFixed(0)} MiB (${indexPeakAboveStartMiB.toFixed(0)} MiB above its start)\n` +
      `  inspect: ${inspected.seconds.toFixed(2)} s (${inspected.identities} identities, ${inspected.images} images, image checks on a sample of ${inspected.sampled ?? inspected.images})\n`
  )
  const results: RecordIOBenchResult[] = []
  for (const workers of options.workerCounts) {
    const loader = await options.measure(rec, workers, `RecordIO ${records} records`)
    results.push({
      ...loader,
      records,
      identities,
      writeSeconds: written.seconds,
      indexSeconds: index.seconds,
      indexPeakRssMiB: index.peakMiB,
      indexPeakAboveStartMiB,
      inspectSeconds: inspected.seconds
    })
    io.stdout(
      `  loader, ${workers} worker${workers === 1 ? ' ' : 's'}: ${loader.imagesPerSecond.toFixed(0)} img/s at random over the file ` +
        `(${loader.imagesPerCpuSecond.toFixed(0)} img per CPU-second), peak RSS ${loader.peakRssMiB.toFixed(0)} MiB (loader ${loader.loaderMiB.toFixed(0)} MiB of it)\n`
    )
  }
  return results
}
