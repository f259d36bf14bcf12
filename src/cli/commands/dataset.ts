// `dataset inspect | convert | make-bin | align`: look into a dataset, move data between this app's
// formats and insightface's (identity folder ↔ .rec/.idx, pair list → .bin), align face photos.
import { parseArgs } from 'node:util'
import { detectFormat, defaultCacheDir } from '../../core/data'
import { inspectDataset, type InspectReport } from '../../core/data/inspect'
import { readEncodedPairs } from '../../core/data/pairSets'
import { indexTrainingData } from '../../core/data/trainingIndex'
import { exportIdentityFolder, exportRecordIO, exportVerificationBin, type ExportResult } from '../../core/data/writers'
import { UsageError, type CliIo } from '../io'
import { ALIGN_HELP, datasetAlign } from './datasetAlign'

const HELP = `Usage: npm run cli -- dataset <inspect|convert|make-bin|align> …
  dataset inspect PATH [--json] [--decode] [--cache-dir DIR] [--no-cache] [--images-root DIR]
      Format, identities, images, images per identity, image sizes and problems (unreadable
      files, identities with one image, duplicates by content hash) of an identity folder, a
      .rec (or a folder holding train.rec), a .bin, a pairs .txt or a pairs .csv. Never writes
      into the dataset: the folder index is cached in --cache-dir (default ${defaultCacheDir()}).
      --decode decodes every image fully (slower; finds corruption past the headers).
  dataset convert SRC OUT [--to folder|recordio]
      Copies a training set (identity folder or .rec) to an identity folder or a .rec/.idx pair
      (+ property); --to defaults to recordio when OUT ends in .rec. Images are copied as encoded.
  dataset make-bin PAIRS OUT.bin [--images-root DIR]
      Writes an insightface verification .bin from a pairs.txt (LFW) or a path1,path2,label CSV.
${ALIGN_HELP}Exit codes: 0 ok, 1 unreadable or invalid data, 2 bad options.
`

function problemsText(report: InspectReport): string[] {
  const p = report.problems
  const lines: string[] = []
  const list = <T>(items: T[], show: (item: T) => string, limit = 10): string[] => [
    ...items.slice(0, limit).map((item) => `    ${show(item)}`),
    ...(items.length > limit ? [`    … and ${items.length - limit} more (--json lists all)`] : [])
  ]
  if (p.unreadable.length)
    lines.push(`  unreadable images: ${p.unreadable.length}`, ...list(p.unreadable, (u) => `${u.path}: ${u.problem}`))
  if (p.other.length)
    lines.push(`  entries that cannot be used: ${p.other.length}`, ...list(p.other, (u) => `${u.path}: ${u.problem}`))
  if (p.emptyIdentities.length)
    lines.push(`  identities with no readable image: ${p.emptyIdentities.length}`, ...list(p.emptyIdentities, (s) => s))
  if (p.singleImageIdentities.length)
    lines.push(`  identities with one image: ${p.singleImageIdentities.length}`, ...list(p.singleImageIdentities, (s) => s))
  if (p.duplicates.length)
    lines.push(
      `  duplicate images (same bytes): ${p.duplicates.length} groups`,
      ...list(p.duplicates, (d) => d.paths.join(' = '))
    )
  if (p.ignored) lines.push(`  ignored (not images, nested folders, loose files): ${p.ignored}`)
  return lines.length ? ['problems:', ...lines] : ['problems: none found']
}

function reportText(report: InspectReport): string {
  const lines = [`${report.path}`, `  format: ${report.format}`]
  if (report.pairs)
    lines.push(`  pairs: ${report.pairs.total} (${report.pairs.same} same, ${report.pairs.total - report.pairs.same} different)`)
  else lines.push(`  identities: ${report.identities}`)
  lines.push(`  images: ${report.images}${report.sampled ? ` (sizes and duplicates from a sample of ${report.sampled})` : ''}`)
  if (!report.pairs) {
    const h = report.imagesPerIdentity
    lines.push(`  images per identity: min ${h.min}, median ${h.median}, mean ${h.mean.toFixed(1)}, max ${h.max}`)
    lines.push(`    ${h.histogram.map((b) => `${b.bucket}: ${b.identities}`).join('  ')}`)
  }
  const sizes = report.sizes.slice(0, 5).map((s) => `${s.size} ×${s.images}`)
  lines.push(`  image sizes: ${sizes.join(', ')}${report.sizes.length > 5 ? `, … (${report.sizes.length} sizes)` : ''}`)
  lines.push(
    `  encodings: ${Object.entries(report.kinds)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`
  )
  lines.push(...problemsText(report))
  lines.push(
    `inspected in ${report.seconds.toFixed(2)} s${report.cached !== undefined ? ` (${report.cached} of the images from the index cache)` : ''}`
  )
  return lines.join('\n') + '\n'
}

function exportText(what: string, result: ExportResult): string {
  const lines = [`${what}: ${result.written} written`]
  if (result.skipped.length) {
    lines.push(
      `skipped ${result.skipped.length} unreadable:`,
      ...result.skipped.slice(0, 10).map((s) => `  ${s.path}: ${s.problem}`)
    )
  }
  return lines.join('\n') + '\n'
}

async function run(sub: string, argv: string[], io: CliIo): Promise<number> {
  if (sub === 'align') return datasetAlign(argv, io)
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      decode: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      'images-root': { type: 'string' },
      to: { type: 'string' }
    }
  })
  if (sub === 'inspect') {
    if (positionals.length !== 1) throw new UsageError('dataset inspect takes one PATH')
    const cacheDir = values['no-cache'] ? null : (values['cache-dir'] ?? defaultCacheDir())
    const report = await inspectDataset(positionals[0], { decode: values.decode, cacheDir, imagesRoot: values['images-root'] })
    io.stdout(values.json ? JSON.stringify(report, null, 2) + '\n' : reportText(report))
    return 0
  }
  if (sub === 'convert') {
    if (positionals.length !== 2) throw new UsageError('dataset convert takes SRC and OUT')
    const [source, out] = positionals
    const to = values.to ?? (out.toLowerCase().endsWith('.rec') ? 'recordio' : 'folder')
    if (to !== 'folder' && to !== 'recordio') throw new UsageError(`--to must be folder or recordio, got "${to}"`)
    const { format, file } = detectFormat(source)
    if (format !== 'folder' && format !== 'recordio')
      throw new UsageError(`${source} is a verification set (${format}); convert copies training sets`)
    const index = await indexTrainingData(file, format, values['no-cache'] ? null : (values['cache-dir'] ?? defaultCacheDir()))
    const result = to === 'folder' ? await exportIdentityFolder(index, out) : await exportRecordIO(index, out)
    io.stdout(exportText(`${out} (${to}, ${index.classNames.length} identities)`, result))
    return 0
  }
  if (sub === 'make-bin') {
    if (positionals.length !== 2) throw new UsageError('dataset make-bin takes PAIRS and OUT.bin')
    const [source, out] = positionals
    const { format, file } = detectFormat(source)
    if (format !== 'pairs-txt' && format !== 'pairs-csv')
      throw new UsageError(`${source}: make-bin reads a pairs .txt or .csv, this is ${format}`)
    const result = await exportVerificationBin(await readEncodedPairs(file, format, values['images-root']), out)
    io.stdout(exportText(`${out} (pairs)`, result))
    return 0
  }
  throw new UsageError(`unknown dataset subcommand "${sub}"\n\n${HELP}`)
}

export async function datasetCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout(HELP)
    return sub ? 0 : 2
  }
  try {
    return await run(sub, rest, io)
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr(`error: ${error.message}\n`)
      return 2
    }
    // Dataset problems are the user's to fix: the message names the file and what is wrong.
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}
