// `study figure1`: the paper's Figure 1 on the bundled glyphs (see src/core/train/study.ts): four
// short trainings, a table of intra- and inter-class angles, collapse warnings, results as JSON in
// the workspace.
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { BACKEND_CHOICES, describeBackend, initBackend, type BackendChoice } from '../../core/backend'
import { loadFontDataset } from '../../core/data'
import {
  FIGURE1_LOSSES,
  runFigure1Study,
  runLabel,
  saveFigure1Study,
  type Figure1Loss,
  type Figure1Run,
  type Figure1Study
} from '../../core/train/study'
import { formatDuration } from '../format'
import { progressPrinter } from '../progress'
import { UsageError, type CliIo } from '../io'

export const STUDY_USAGE = `Usage: npm run cli -- study figure1 [options]
The paper's Figure 1: a 3-D embedding of the glyphs labelled by character, trained on the 5 and on
the 10 most populous characters (all tie, so the first in dataset order: 0-4 and 0-9), with plain
Softmax and with D-Softmax; for each run the mean intra-class angle (each embedding to its class's
mean direction) and the minimum inter-class angle (between class mean directions).
  --classes 5,10          class counts to compare
  --losses softmax,dsoftmax   any of ${FIGURE1_LOSSES.join(', ')}
  --s X                   scale of the normalized losses (default 10; in 3-D on 10 classes a pair of
                          classes or centres can merge, which the collapse warnings say)
  --steps N --batch N --lr X --seed N     override the figure1 presets' recipe
  --collapse DEG          minimum inter-class angle that counts as collapse (default 5)
  --measure-per-class N   measure the angles on the first N fonts of each class (default: all)
  --backend NAME          force ${BACKEND_CHOICES.join(', ')}
  --out DIR               workspace; results go to DIR/studies/figure1-<time>.json (default ./workspace)
  --json                  print the results as one JSON object on stdout
`

function numberOption(value: string | undefined, name: string, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, got "${value}"`)
  return n
}

const whole = (n: number): boolean => Number.isInteger(n) && n >= 1
const positive = (n: number): boolean => n > 0

const deg = (x: number): string => `${x.toFixed(2)}°`

export function studyTable(study: Figure1Study): string {
  const header = ['run', 'characters', 'intra-class angle', 'min inter-class angle', 'centres min angle', 'last loss']
  const cells = study.runs.map((r: Figure1Run) => [
    runLabel(r),
    r.classes.join(''),
    `${deg(r.train.intra.mean)} (test ${deg(r.test.intra.mean)})`,
    `${deg(r.train.inter.min)} (test ${deg(r.test.inter.min)})`,
    r.train.centres ? deg(r.train.centres.min) : '-',
    r.finalLoss.toFixed(3)
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
  const line = (c: string[]): string =>
    '  ' +
    c
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  const lines = [
    'Figure 1 study: 3-D embedding, glyphs labelled by character; angles on the training fonts (held-out test fonts in brackets)',
    line(header),
    ...cells.map(line)
  ]
  if (study.warnings.length > 0)
    lines.push('', `WARNING: ${study.warnings.length} collapse warning(s):`, ...study.warnings.map((w) => `  ${w}`))
  else lines.push('', 'No class collapse (every minimum inter-class angle ≥ the threshold).')
  return lines.join('\n') + '\n'
}

function list(value: string | undefined, name: string): string[] | undefined {
  if (value === undefined) return undefined
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new UsageError(`--${name} needs at least one value`)
  return items
}

export async function studyCommand(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h') {
    io.stdout(STUDY_USAGE)
    return name ? 0 : 2
  }
  if (name !== 'figure1') throw new UsageError(`unknown study "${name}"; the studies are: figure1`)
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      classes: { type: 'string' },
      losses: { type: 'string' },
      s: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      collapse: { type: 'string' },
      'measure-per-class': { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    io.stdout(STUDY_USAGE)
    return 0
  }
  const classCounts = list(values.classes, 'classes')?.map(
    (c) => numberOption(c, 'classes', (n) => Number.isInteger(n) && n >= 2, 'whole numbers ≥ 2') as number
  )
  const losses = list(values.losses, 'losses')?.map((l) => {
    if (!(FIGURE1_LOSSES as readonly string[]).includes(l))
      throw new UsageError(`--losses: "${l}" is not one of ${FIGURE1_LOSSES.join(', ')}`)
    return l as Figure1Loss
  })
  const backend = values.backend
  if (backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`unknown backend "${backend}"; choose one of: ${BACKEND_CHOICES.join(', ')}`)
  }
  const options = {
    classCounts,
    losses,
    s: numberOption(values.s, 's', positive, 'a positive number'),
    steps: numberOption(values.steps, 'steps', whole, 'a whole number ≥ 1'),
    batchSize: numberOption(values.batch, 'batch', whole, 'a whole number ≥ 1'),
    lr: numberOption(values.lr, 'lr', positive, 'a positive number'),
    seed: numberOption(values.seed, 'seed', Number.isInteger, 'a whole number'),
    collapseDegrees: numberOption(values.collapse, 'collapse', positive, 'a positive number of degrees'),
    measurePerClass: numberOption(values['measure-per-class'], 'measure-per-class', whole, 'a whole number ≥ 1')
  }
  const out = resolve(values.out ?? 'workspace')

  const report = await initBackend({ force: backend as BackendChoice | undefined })
  io.stderr(describeBackend(report) + '\n')
  const dataset = await loadFontDataset()
  const printProgress = progressPrinter(io)
  const study = await runFigure1Study(dataset, { ...options, backend: report.choice }, (event) => {
    if (event.type === 'run-started') io.stderr(`run ${event.index + 1}/${event.of}: ${runLabel(event)}\n`)
    else if (event.type === 'train' && event.event.type === 'step') printProgress(event.event)
    else if (event.type === 'run-finished') {
      const r = event.run
      io.stderr(
        `  trained ${r.steps} steps in ${formatDuration(r.trainSeconds)}: intra ${deg(r.train.intra.mean)}, min inter ${deg(r.train.inter.min)}\n`
      )
      for (const w of [...r.train.warnings, ...r.test.warnings]) io.stderr(`  WARNING: ${w}\n`)
    }
  })
  const file = saveFigure1Study(out, study, report.choice)
  if (values.json) io.stdout(JSON.stringify({ ...study, file }) + '\n')
  else io.stdout(studyTable(study) + `\nresults: ${file} (${formatDuration(study.seconds)})\n`)
  return 0
}
