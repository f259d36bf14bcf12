// `train` and `demo`: build a recipe from a preset and options (or name a run to resume), run it in
// a trainer process (child_process.fork), relay its progress, and print the test metrics.
// Ctrl+C asks the trainer to stop: it finishes the step, writes a checkpoint and exits.
import { parseArgs } from 'node:util'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  BACKBONE_NAMES,
  CENTRE_STORAGES,
  LOSS_NAMES,
  MARGIN_FALLBACKS,
  MARGIN_GRADIENTS,
  OPTIMIZER_KINDS,
  SCHEDULE_KINDS,
  VALIDATION_METRICS
} from '../../common/names'
import type { LossParams, OptimizerConfig, ScheduleConfig } from '../../common/schemas/recipe'
import { BACKEND_CHOICES, type BackendChoice } from '../../core/backend'
import { LOSS_KNOBS, validateLossParams } from '../../core/losses'
import { DEFAULT_PRESET, PRESETS, presetConfig } from '../../core/train/presets'
import { validateTrainConfig, type TrainConfig } from '../../core/train/config'
import { defaultWorkspace } from '../../core/train/runs'
import { forkTrainer } from '../../core/train/process/fork'
import { TrainerHost, newRunIdFor, type TerminalEvent } from '../../core/train/process/host'
import type { RunEvent } from '../../common/trainer'
import type { VerificationReport } from '../../core/eval'
import { formatDuration, metricsTable } from '../format'
import { progressPrinter } from '../progress'
import { UsageError, type CliIo } from '../io'

export const TRAIN_USAGE = `Usage: npm run cli -- train [options]
  --preset NAME        recipe to start from (${Object.keys(PRESETS).join(', ')}; default ${DEFAULT_PRESET})
  --resume RUN         continue run RUN (an id under WORKSPACE/runs) from its last good checkpoint
  --data PATH [--val PATH]...       train on an identity folder or RecordIO; validate on one or more .bin / pairs.txt / pairs CSV
                       (validation picks checkpoints/best, so its figures are labelled validation, never test)
  --test PATH          held-out pairs evaluated once on the final weights (never used to pick a checkpoint)
  --backbone NAME      ${BACKBONE_NAMES.join(', ')}
  --centre-storage float32|float16  D-Softmax-B/-K: how the class-centre store holds centres and momentum
  --loss NAME          ${LOSS_NAMES.join(', ')}
  --s X --d X --m X    loss scale, D-Softmax intra bound d, margin m (radians for ArcFace)
  --rate X | --count N negative classes sampled per step by dsoftmax-k
  --margin-gradient ${MARGIN_GRADIENTS.join('|')}   ArcFace margin gradient
  --margin-fallback continuous|insightface|easy   ArcFace target where cos(θ + m) is not used
  --anneal-lambda      SphereFace: anneal λ from 1000 down to 5 (the original schedule)
  --softmax-warmup N   train with plain Softmax for the first N epochs
  --epochs N | --steps N            length of the run
  --batch N --lr X --embedding N --seed N
  --optimizer NAME     ${OPTIMIZER_KINDS.join(', ')}   --momentum X --nesterov --wd X
  --centre-lr X --centre-wd X       class centres: learning-rate factor and weight decay
  --clip X             clip gradients to global L2 norm X
  --schedule NAME      ${SCHEDULE_KINDS.join(', ')}   --warmup STEPS --power X --milestones 0.5,0.75 --gamma X
  --validate-every N | --validate-every-steps N   validation interval (epochs / steps)
  --best-metric NAME   ${VALIDATION_METRICS.join(', ')} (picks checkpoints/best)
  --best-set NAME      with several --val sets: the one whose metric picks checkpoints/best (its file name
                       without extension, e.g. lfw; default the first)
  --checkpoint-every N checkpoint every N steps (default: each epoch)   --keep N  step checkpoints kept
  --lr-backoff F [--max-backoffs N] on NaN/Inf go back to the last checkpoint with lr × F instead of stopping
  --backend NAME       force ${BACKEND_CHOICES.join(', ')} (default: the fastest that works)
  --replicas N|auto    data-parallel threads (default auto: one per core on wasm/cpu)
  --out DIR            workspace folder; runs go to DIR/runs/<id> (default ${defaultWorkspace()})
  --json               print the final result as one JSON object on stdout
`

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isFinite(parsed)) throw new UsageError(`--${name} must be a number, got "${value}"`)
  return parsed
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`unknown ${name} "${value}"; choose one of: ${allowed.join(', ')}`)
  return value as T
}

const OPTIONS = {
  preset: { type: 'string' },
  resume: { type: 'string' },
  data: { type: 'string' },
  val: { type: 'string', multiple: true },
  test: { type: 'string' },
  'best-set': { type: 'string' },
  loss: { type: 'string' },
  s: { type: 'string' },
  d: { type: 'string' },
  m: { type: 'string' },
  rate: { type: 'string' },
  count: { type: 'string' },
  'margin-gradient': { type: 'string' },
  'margin-fallback': { type: 'string' },
  backbone: { type: 'string' },
  'centre-storage': { type: 'string' },
  'anneal-lambda': { type: 'boolean' },
  'softmax-warmup': { type: 'string' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  embedding: { type: 'string' },
  seed: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  wd: { type: 'string' },
  'centre-lr': { type: 'string' },
  'centre-wd': { type: 'string' },
  clip: { type: 'string' },
  schedule: { type: 'string' },
  warmup: { type: 'string' },
  power: { type: 'string' },
  milestones: { type: 'string' },
  gamma: { type: 'string' },
  'validate-every': { type: 'string' },
  'validate-every-steps': { type: 'string' },
  'best-metric': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  keep: { type: 'string' },
  'lr-backoff': { type: 'string' },
  'max-backoffs': { type: 'string' },
  backend: { type: 'string' },
  replicas: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' }
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

function optimizerFrom(values: Values, current: OptimizerConfig): OptimizerConfig {
  const kind = oneOf(values.optimizer, OPTIMIZER_KINDS, 'optimizer') ?? current.kind
  const common = {
    lr: number(values.lr, 'lr') ?? current.lr,
    weightDecay: number(values.wd, 'wd') ?? current.weightDecay,
    ...(current.centres ? { centres: { ...current.centres } } : {}),
    ...(current.clipNorm !== undefined ? { clipNorm: current.clipNorm } : {})
  }
  const centreLr = number(values['centre-lr'], 'centre-lr')
  const centreWd = number(values['centre-wd'], 'centre-wd')
  if (centreLr !== undefined || centreWd !== undefined) {
    common.centres = {
      ...common.centres,
      ...(centreLr !== undefined ? { lrFactor: centreLr } : {}),
      ...(centreWd !== undefined ? { weightDecay: centreWd } : {})
    }
  }
  const clip = number(values.clip, 'clip')
  if (clip !== undefined) common.clipNorm = clip
  if (kind === 'sgd') {
    const momentum = number(values.momentum, 'momentum') ?? (current.kind === 'sgd' ? current.momentum : 0.9)
    const nesterov = values.nesterov ?? (current.kind === 'sgd' ? current.nesterov : undefined)
    return { kind, ...common, momentum, ...(nesterov ? { nesterov } : {}) }
  }
  if (values.momentum !== undefined || values.nesterov)
    throw new UsageError(`--momentum and --nesterov are SGD options, not ${kind}`)
  return { kind, ...common }
}

function scheduleFrom(values: Values, current: ScheduleConfig): ScheduleConfig {
  const kind = oneOf(values.schedule, SCHEDULE_KINDS, 'schedule') ?? current.kind
  const warmupSteps = number(values.warmup, 'warmup') ?? current.warmupSteps
  const warm = warmupSteps !== undefined ? { warmupSteps } : {}
  switch (kind) {
    case 'constant':
      return { kind, ...warm }
    case 'cosine':
      return {
        kind,
        ...warm,
        ...(current.kind === 'cosine' && current.minFactor !== undefined ? { minFactor: current.minFactor } : {})
      }
    case 'step': {
      const milestones =
        values.milestones?.split(',').map((m) => number(m.trim(), 'milestones') as number) ??
        (current.kind === 'step' ? current.milestones : [0.5, 0.75])
      return {
        kind,
        ...warm,
        milestones,
        gamma: number(values.gamma, 'gamma') ?? (current.kind === 'step' ? current.gamma : 0.1)
      }
    }
    case 'polynomial':
      return { kind, ...warm, power: number(values.power, 'power') ?? (current.kind === 'polynomial' ? current.power : 1) }
  }
}

export interface ParsedTrainArgs {
  config?: TrainConfig
  resumeRun?: string
  backend?: BackendChoice
  out: string
  json: boolean
}

export function configFromArgs(argv: string[]): ParsedTrainArgs & { config: TrainConfig } {
  const parsed = parseTrainArgs(argv)
  if (!parsed.config) throw new UsageError('--resume takes the recipe from the run; give no preset')
  return parsed as ParsedTrainArgs & { config: TrainConfig }
}

export function parseTrainArgs(argv: string[]): ParsedTrainArgs {
  const { values } = parseArgs({ args: argv, strict: true, options: OPTIONS })
  const backend = oneOf(values.backend, BACKEND_CHOICES, 'backend')
  const out = resolve(values.out ?? defaultWorkspace())
  const json = values.json === true
  if (values.resume !== undefined) {
    const others = Object.keys(values).filter((k) => !['resume', 'backend', 'out', 'json'].includes(k))
    if (others.length > 0)
      throw new UsageError(`--resume continues a run with its own recipe; drop ${others.map((k) => `--${k}`).join(', ')}`)
    return { resumeRun: values.resume, backend, out, json }
  }
  const config = presetConfig(values.preset ?? DEFAULT_PRESET)
  if (values.data !== undefined) {
    config.dataset = 'files'
    const [val, ...extraVal] = (values.val ?? []).map((path) => resolve(path))
    config.data = {
      train: resolve(values.data),
      ...(val !== undefined ? { val } : {}),
      ...(extraVal.length > 0 ? { extraVal } : {}),
      ...(values.test !== undefined ? { test: resolve(values.test) } : {})
    }
  } else if (values.val !== undefined || values.test !== undefined) {
    throw new UsageError(
      `${values.val !== undefined ? '--val' : '--test'} needs --data (the bundled fonts bring their own validation and test pairs)`
    )
  }
  const backbone = oneOf(values.backbone, BACKBONE_NAMES, 'backbone')
  if (backbone !== undefined) config.backbone = backbone
  const centreStorage = oneOf(values['centre-storage'], CENTRE_STORAGES, 'centre storage')
  if (centreStorage !== undefined) config.centreStorage = centreStorage
  const loss = oneOf(values.loss, LOSS_NAMES, 'loss')
  // Another loss keeps only the preset's knobs it reads (the others would be refused as unread).
  if (loss !== undefined && loss !== config.loss) {
    config.loss = loss
    config.lossParams = Object.fromEntries(
      Object.entries(config.lossParams).filter(([key]) => LOSS_KNOBS[config.loss].includes(key as keyof LossParams))
    )
  }
  const params = { ...config.lossParams }
  for (const key of ['s', 'd', 'm', 'rate', 'count'] as const) {
    const v = number(values[key], key)
    if (v !== undefined) params[key] = v
  }
  const marginGradient = oneOf(values['margin-gradient'], MARGIN_GRADIENTS, 'margin gradient')
  if (marginGradient !== undefined) params.marginGradient = marginGradient
  const marginFallback = oneOf(values['margin-fallback'], MARGIN_FALLBACKS, 'margin fallback')
  if (marginFallback !== undefined) params.marginFallback = marginFallback
  config.lossParams = params
  if (values['anneal-lambda']) config.lambdaAnnealing = { base: 1000, gamma: 0.12, power: 1, min: 5 }
  const warmupEpochs = number(values['softmax-warmup'], 'softmax-warmup')
  if (warmupEpochs !== undefined) config.softmaxWarmupEpochs = warmupEpochs
  const epochs = number(values.epochs, 'epochs')
  const steps = number(values.steps, 'steps')
  if (epochs !== undefined) {
    config.epochs = epochs
    delete config.steps
  }
  if (steps !== undefined) config.steps = steps
  config.batchSize = number(values.batch, 'batch') ?? config.batchSize
  config.embeddingDim = number(values.embedding, 'embedding') ?? config.embeddingDim
  config.seed = number(values.seed, 'seed') ?? config.seed
  config.optimizer = optimizerFrom(values, config.optimizer)
  config.schedule = scheduleFrom(values, config.schedule)
  config.validateEvery = number(values['validate-every'], 'validate-every') ?? config.validateEvery
  const validateSteps = number(values['validate-every-steps'], 'validate-every-steps')
  if (validateSteps !== undefined) config.validateEverySteps = validateSteps
  const bestMetric = oneOf(values['best-metric'], VALIDATION_METRICS, 'best-metric')
  if (bestMetric) config.bestMetric = bestMetric
  if (values['best-set'] !== undefined) config.bestSet = values['best-set']
  const checkpointEvery = number(values['checkpoint-every'], 'checkpoint-every')
  if (checkpointEvery !== undefined) config.checkpointEverySteps = checkpointEvery
  const keep = number(values.keep, 'keep')
  if (keep !== undefined) config.keepCheckpoints = keep
  const backoff = number(values['lr-backoff'], 'lr-backoff')
  if (backoff !== undefined)
    config.divergence = { lrBackoff: backoff, maxBackoffs: number(values['max-backoffs'], 'max-backoffs') ?? 3 }
  else if (values['max-backoffs'] !== undefined) throw new UsageError('--max-backoffs needs --lr-backoff')
  if (values.replicas !== undefined)
    config.replicas = values.replicas === 'auto' ? 'auto' : (number(values.replicas, 'replicas') as number)
  const recipeProblems = validateTrainConfig(config)
  if (recipeProblems.length > 0) throw new UsageError(`invalid options: ${recipeProblems.join('; ')}`)
  const lossProblems = validateLossParams(config.loss, config.lossParams)
  if (lossProblems.length > 0) throw new UsageError(`invalid ${config.loss} parameters: ${lossProblems.join('; ')}`)
  return { config, backend, out, json }
}

export interface TrainOutcome {
  end: TerminalEvent
  runDir?: string
  backend?: string
  loss?: string
  /** The full test report, read back from the run's eval/ folder. */
  test?: { set: string; report: VerificationReport }
  /** Without test pairs: the final weights on the validation pairs (not a test: they picked the checkpoint). */
  finalValidation?: { set: string; report: VerificationReport }
}

/** Runs a session in a trainer process and relays its events to the terminal. */
export async function runTraining(
  request: ParsedTrainArgs,
  options: { io: CliIo; quiet?: boolean; onEvent?: (event: RunEvent, host: TrainerHost) => void }
): Promise<TrainOutcome> {
  const { io } = options
  const say = (line: string): void => {
    if (!options.quiet) io.stderr(line + '\n')
  }
  const host = new TrainerHost(forkTrainer(), request.out)
  const printProgress = progressPrinter(io)
  let runDir: string | undefined
  let backend: string | undefined
  const onSigint = (): void => {
    say('stopping: finishing the current step and writing a checkpoint (Ctrl+C again to kill)')
    process.off('SIGINT', onSigint)
    process.once('SIGINT', () => host.kill())
    host.stop()
  }
  process.on('SIGINT', onSigint)
  host.on((event) => {
    options.onEvent?.(event, host)
    switch (event.type) {
      case 'started':
        runDir = event.runDir
        backend = event.backend.choice
        say(event.backend.description)
        say(
          `data: ${event.dataset.name}, ${event.dataset.classes} training classes, ${event.dataset.examples} images; ${event.dataset.valPairs} validation pairs`
        )
        say(`run: ${event.runDir}${event.resumedFrom ? ` (resumed from ${event.resumedFrom}, step ${event.startStep})` : ''}`)
        say(
          `model: ${event.model.backbone}, ${event.model.parameters.toLocaleString('en')} parameters, ${(event.model.macsPerImage / 1e6).toFixed(2)} M MAC/image; ` +
            `${event.totalSteps} steps${request.config ? ` of ${request.config.batchSize}` : ''}` +
            (event.replicas > 1 ? `, split over ${event.replicas} data-parallel threads` : '')
        )
        break
      case 'progress':
        if (!options.quiet) printProgress({ ...event, type: 'step', stepSeconds: 0 })
        break
      case 'validation': {
        const v = event.validation
        say(
          `validation (${v.set}) at step ${event.step}: AUC ${v.auc.toFixed(4)}, EER ${(100 * v.eer).toFixed(2)}%, 10-fold ${(100 * v.tenFold).toFixed(2)}%${v.best ? ' (best so far)' : ''}`
        )
        break
      }
      case 'checkpoint':
        if (event.reason === 'stop')
          say(`checkpoint written at step ${event.step} in ${event.seconds.toFixed(2)} s: ${event.dir}`)
        break
      case 'warning':
        say(`warning: ${event.message}`)
        break
      case 'finished':
        say(`${event.stopped ? 'stopped after' : 'trained'} ${event.steps} steps in ${formatDuration(event.seconds)}`)
        break
      case 'failed':
      case 'exited':
        break
    }
  })
  const config = request.config
  if (request.resumeRun) host.start({ resumeRun: request.resumeRun, backend: request.backend })
  // A new run's id is chosen here, by the host, before its trainer starts.
  else if (config) host.start({ config, runId: newRunIdFor(request.out, config), backend: request.backend })
  else throw new Error('train needs a recipe or a run to resume')
  try {
    const end = await host.done
    runDir ??= end.type === 'finished' || end.type === 'failed' ? end.runDir : undefined
    const outcome: TrainOutcome = { end, runDir, backend }
    const readReport = (dir: string, set: string): { set: string; report: VerificationReport } => ({
      set,
      report: JSON.parse(readFileSync(join(dir, 'eval', `${set}.json`), 'utf8')) as VerificationReport
    })
    if (end.type === 'finished' && runDir) {
      if (end.test) outcome.test = readReport(runDir, end.test.set)
      if (end.finalValidation) outcome.finalValidation = readReport(runDir, end.finalValidation.set)
    }
    if (runDir) outcome.loss = (JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { loss: string }).loss
    return outcome
  } finally {
    process.off('SIGINT', onSigint)
  }
}

export async function trainCommand(argv: string[], io: CliIo, mode: 'train' | 'demo' = 'train'): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(TRAIN_USAGE)
    return 0
  }
  const request = parseTrainArgs(argv)
  if (mode === 'demo' && request.config) {
    const c = request.config
    io.stderr(`D-Softmax Studio demo: ${c.loss} (s = ${c.lossParams.s}, d = ${c.lossParams.d}) on the bundled font identities\n`)
  }
  const outcome = await runTraining(request, { io })
  const { end } = outcome
  if (end.type === 'failed' || end.type === 'exited') {
    io.stderr(`error: ${end.message}\n`)
    if (json(request)) io.stdout(JSON.stringify({ run: outcome.runDir, status: end.type, message: end.message }) + '\n')
    return 1
  }
  const runId = end.runId
  if (end.stopped) {
    io.stderr(
      `Run ${runId} stopped at step ${end.steps}; continue it with: npm run cli -- train --resume ${runId} --out ${request.out}\n`
    )
    if (json(request)) io.stdout(JSON.stringify({ run: outcome.runDir, status: 'stopped', steps: end.steps }) + '\n')
    return 0
  }
  const { test, finalValidation } = outcome
  const summary = (r: { report: VerificationReport } | undefined): object | undefined =>
    r ? { ...r.report, tenFold: (({ folds: _f, thresholds: _t, ...rest }) => rest)(r.report.tenFold) } : undefined
  if (json(request)) {
    io.stdout(
      JSON.stringify({
        run: outcome.runDir,
        status: 'finished',
        loss: outcome.loss,
        backend: outcome.backend,
        test: summary(test),
        finalValidation: summary(finalValidation)
      }) + '\n'
    )
    return 0
  }
  const shown = test ?? finalValidation
  if (test) io.stdout('\n' + metricsTable(`Test verification (${test.set}, no flip), ${outcome.loss}:`, test.report))
  else if (finalValidation) {
    io.stdout(
      '\n' +
        metricsTable(
          `Validation (${finalValidation.set}, final weights, no flip), ${outcome.loss}; not a test: these pairs picked the checkpoint (add --test PATH):`,
          finalValidation.report
        )
    )
  }
  io.stdout(
    `\nRun written to ${outcome.runDir}\n` +
      (shown
        ? `  config.json, run.json, metrics.jsonl, log.txt, checkpoints/ (last, best, final), eval/${shown.set}.json, eval/${shown.set}-scores.csv\n`
        : '')
  )
  return 0
}

const json = (request: ParsedTrainArgs): boolean => request.json
