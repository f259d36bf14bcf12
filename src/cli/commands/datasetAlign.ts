// `dataset align SRC DST`: an identity folder of photos → an identity folder of aligned face crops
// (src/core/align), with a progress bar and a summary naming every rejected photo.
import { parseArgs } from 'node:util'
import { BACKEND_CHOICES, type BackendChoice } from '../../core/backend'
import {
  ALIGN_REPORT,
  alignFolder,
  defaultAlignWorkers,
  type AlignFolderReport,
  type RejectedFile
} from '../../core/align/alignFolder'
import {
  DEFAULT_ALIGN_SETTINGS,
  FACE_DETECTORS,
  MULTI_FACE_POLICIES,
  type AlignSettings,
  type FaceDetector,
  type MultiFacePolicy
} from '../../core/align/settings'
import { progressBar } from '../progress'
import { UsageError, type CliIo } from '../io'

export const ALIGN_HELP = `  dataset align SRC DST [--size N] [--margin F] [--min-face PX] [--multi-face largest|skip]
                [--detector ssd|tiny] [--min-score F] [--workers N] [--backend NAME] [--json]
      Aligns the faces of an identity folder of photos (SRC/<identity>/<photo>) to insightface's
      five-point template: DST/<identity>/<photo>.png, --size px square (default ${DEFAULT_ALIGN_SETTINGS.size}), --margin
      widening the view by that fraction of the crop per side (default ${DEFAULT_ALIGN_SETTINGS.margin}). Photos with no face,
      a face smaller than --min-face px (default ${DEFAULT_ALIGN_SETTINGS.minFaceSize}), or several faces under --multi-face skip
      (default: ${DEFAULT_ALIGN_SETTINGS.multiFace}, the largest face) are listed, and everything in DST/${ALIGN_REPORT}. Resumable:
      crops already in DST are kept. --workers threads (default ${defaultAlignWorkers()} here), each loading the models.
`

const OPTIONS = {
  size: { type: 'string' },
  margin: { type: 'string' },
  'min-face': { type: 'string' },
  'multi-face': { type: 'string' },
  detector: { type: 'string' },
  'min-score': { type: 'string' },
  workers: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean', default: false }
} as const

function number(
  value: string | undefined,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  expected: string
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new UsageError(`--${name} must be ${expected}, got "${value}"`)
  return n
}

function oneOf<T extends string>(value: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`)
  return value as T
}

const REASONS: Record<RejectedFile['reason'], string> = {
  'no-face': 'no face',
  'several-faces': 'several faces',
  'too-small': 'face too small',
  unreadable: 'unreadable',
  failed: 'failed to write'
}

function summary(report: AlignFolderReport): string {
  const lines = [
    `${report.target}: ${report.aligned.length} aligned${report.alreadyDone.length ? `, ${report.alreadyDone.length} already aligned (kept)` : ''}, ${report.rejected.length} rejected` +
      ` in ${report.seconds.toFixed(1)} s (${report.workers} worker${report.workers === 1 ? '' : 's'}${report.backend ? `, ${report.backend}` : ''})${report.status === 'cancelled' ? ' — cancelled' : ''}`
  ]
  for (const reason of Object.keys(REASONS) as RejectedFile['reason'][]) {
    const files = report.rejected.filter((r) => r.reason === reason)
    if (!files.length) continue
    lines.push(`  ${REASONS[reason]}: ${files.length}`, ...files.slice(0, 20).map((f) => `    ${f.source}: ${f.detail}`))
    if (files.length > 20) lines.push(`    … and ${files.length - 20} more (${ALIGN_REPORT} lists all)`)
  }
  return lines.join('\n') + '\n'
}

export async function datasetAlign(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS })
  if (positionals.length !== 2) throw new UsageError('dataset align takes SRC and DST')
  const d = DEFAULT_ALIGN_SETTINGS
  const settings: AlignSettings = {
    size: number(
      values.size,
      'size',
      d.size,
      (n) => Number.isInteger(n) && n >= 16 && n <= 1024,
      'a whole number of pixels from 16 to 1024'
    ),
    margin: number(values.margin, 'margin', d.margin, (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1'),
    minFaceSize: number(values['min-face'], 'min-face', d.minFaceSize, (n) => n >= 0, 'a number of pixels ≥ 0'),
    multiFace: oneOf<MultiFacePolicy>(values['multi-face'], 'multi-face', MULTI_FACE_POLICIES, d.multiFace),
    detector: oneOf<FaceDetector>(values.detector, 'detector', FACE_DETECTORS, d.detector),
    minScore: number(values['min-score'], 'min-score', d.minScore, (n) => n > 0 && n < 1, 'a score between 0 and 1')
  }
  const workers = number(
    values.workers,
    'workers',
    defaultAlignWorkers(),
    (n) => Number.isInteger(n) && n >= 1 && n <= 64,
    'a whole number from 1 to 64'
  )
  const backend =
    values.backend === undefined ? undefined : oneOf<BackendChoice>(values.backend, 'backend', BACKEND_CHOICES, 'wasm')
  const bar = progressBar(io)
  const started = performance.now()
  const report = await alignFolder(positionals[0], positionals[1], {
    settings,
    workers,
    backend,
    onProgress: (p) => {
      const rate = p.done / Math.max(1e-3, (performance.now() - started) / 1000)
      bar(p.done, p.total, `${p.done}/${p.total} photos ${rate.toFixed(1)}/s`)
    }
  })
  io.stdout(values.json ? JSON.stringify(report, null, 2) + '\n' : summary(report))
  return 0
}
