// `bench data`: how fast the streaming loader turns 112×112 JPEG files into augmented batches, with
// one loader worker and with one per core, and the loader's peak memory; then a large RecordIO set
// written by Python (scripts/write-large-rec.py): index time and memory, inspection time, and the
// loader's images/s reading it at random. Compare the figures with `bench train`: the loader keeps
// the trainer busy when its images/s is well above the trainer's.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import { openTrainingData } from '../../core/data'
import { benchRecordIO, type RecordIOBenchResult } from './benchRecordIO'
import { createRng } from '../../core/util/rng'
import { UsageError, type CliIo } from '../io'

export interface DataBenchResult {
  source: string
  workers: number
  imagesPerSecond: number
  /** Images per second of CPU time (all threads): what one core sustains. */
  imagesPerCpuSecond: number
  peakRssMiB: number
  /** Peak RSS minus the RSS before the dataset was opened: what the loader (workers included) adds. */
  loaderMiB: number
}

const SIZE = 112

/** A face-sized JPEG with smooth structure and noise, so decoding costs what a real crop costs. */
async function syntheticJpeg(seed: number): Promise<Buffer> {
  const rng = createRng(seed)
  const base = [rng.int(200) + 30, rng.int(200) + 30, rng.int(200) + 30]
  const pixels = new Uint8Array(SIZE * SIZE * 3)
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      for (let c = 0; c < 3; c++) {
        const wave = 40 * Math.sin((x + seed) / (7 + c)) * Math.cos((y - seed) / (9 + c))
        pixels[(y * SIZE + x) * 3 + c] = Math.max(0, Math.min(255, base[c] + wave + (rng.next() - 0.5) * 30))
      }
    }
  }
  return sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer()
}

async function writeBenchFolder(root: string, identities: number, perIdentity: number): Promise<void> {
  for (let id = 0; id < identities; id++) {
    mkdirSync(join(root, `id${id}`), { recursive: true })
    for (let i = 0; i < perIdentity; i++) writeFileSync(join(root, `id${id}`, `${i}.jpg`), await syntheticJpeg(id * 1000 + i))
  }
}

/**
 * The loader's images/s on face-sized JPEGs with `workers` decoding threads, for comparison with a
 * trainer's (bench train prints both, so a starved GPU shows).
 */
export async function loaderThroughput(workers: number, batchSize: number, batches: number): Promise<DataBenchResult> {
  const dir = join(tmpdir(), `dsoftmax-bench-loader-${process.pid}`)
  try {
    await writeBenchFolder(join(dir, 'faces'), 32, 8)
    return await measure(join(dir, 'faces'), join(dir, 'cache'), workers, batchSize, batches, `${SIZE}×${SIZE} JPEG folder`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function measure(
  root: string,
  cacheDir: string,
  workers: number,
  batchSize: number,
  batches: number,
  label: string
): Promise<DataBenchResult> {
  const before = process.memoryUsage().rss
  const data = await openTrainingData(root, { inputSize: SIZE, channels: 3, cacheDir, workers })
  const source = data.batches({
    batchSize,
    seed: 1,
    augment: { shift: 4, flip: true, scale: 0.1, brightness: 0.1, contrast: 0.1 }
  })
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
  try {
    await source.next() // warm-up: worker start, first decodes
    const cpu = process.cpuUsage()
    const start = performance.now()
    for (let i = 0; i < batches; i++) await source.next()
    const seconds = (performance.now() - start) / 1000
    const used = process.cpuUsage(cpu)
    const images = batches * batchSize
    const perCpuSecond = images / ((used.user + used.system) / 1e6)
    return {
      source: label,
      workers,
      imagesPerSecond: images / seconds,
      imagesPerCpuSecond: perCpuSecond,
      peakRssMiB: peak / 2 ** 20,
      loaderMiB: (peak - before) / 2 ** 20
    }
  } finally {
    clearInterval(sampler)
    await data.close()
  }
}

export async function benchData(argv: string[], io: CliIo): Promise<(DataBenchResult | RecordIOBenchResult)[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batches: { type: 'string' },
      batch: { type: 'string' },
      workers: { type: 'string' },
      records: { type: 'string' },
      quick: { type: 'boolean' }
    }
  })
  const records = Number(values.records ?? (values.quick ? 200_000 : 1_000_000))
  if (!(Number.isInteger(records) && records >= 1000)) throw new UsageError('--records must be a whole number ≥ 1000')
  const batches = Number(values.batches ?? (values.quick ? 8 : 20))
  const batchSize = Number(values.batch ?? 64)
  if (!(Number.isInteger(batches) && batches >= 1 && Number.isInteger(batchSize) && batchSize >= 1))
    throw new UsageError('--batches and --batch must be whole numbers ≥ 1')
  const cores = availableParallelism()
  const counts = values.workers ? values.workers.split(',').map(Number) : [...new Set([1, cores])]
  if (counts.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError('--workers takes whole numbers ≥ 0, comma-separated')
  const dir = join(tmpdir(), `dsoftmax-bench-data-${process.pid}`)
  const root = join(dir, 'faces')
  const results: (DataBenchResult | RecordIOBenchResult)[] = []
  try {
    await writeBenchFolder(root, values.quick ? 32 : 64, 8)
    io.stdout(
      `Loader throughput: ${SIZE}×${SIZE} JPEG files → augmented batches of ${batchSize} (flip, shift, zoom, brightness/contrast), ` +
        `${batches} batches after one warm-up batch; ${cores} cores, load average ${loadavg()[0].toFixed(1)}. ` +
        'Peak RSS is the whole process; the loader part is what opening the data added.\n'
    )
    for (const workers of counts) {
      const r = await measure(root, join(dir, 'cache'), workers, batchSize, batches, `${SIZE}×${SIZE} JPEG folder`)
      results.push(r)
      io.stdout(
        `  ${workers} worker${workers === 1 ? ' ' : 's'}: ${r.imagesPerSecond.toFixed(0)} img/s ` +
          `(${r.imagesPerCpuSecond.toFixed(0)} img per CPU-second), peak RSS ${r.peakRssMiB.toFixed(0)} MiB ` +
          `(loader ${r.loaderMiB.toFixed(0)} MiB of it)\n`
      )
    }
    const recordio = await benchRecordIO(
      {
        dir: join(dir, 'rec'),
        records,
        workerCounts: counts,
        size: SIZE,
        measure: (rec, workers, source) => measure(rec, join(dir, 'cache'), workers, batchSize, batches, source)
      },
      io
    )
    for (const r of recordio) results.push(r)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return results
}
