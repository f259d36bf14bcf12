// `train` and `demo`: build a recipe from a preset and options, train on the bundled fonts,
// evaluate on the held-out test pairs, write the run folder and print the metrics.
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { describeBackend, initBackend, type BackendChoice, type BackendReport } from '../../core/backend'
import { LOSS_NAMES, headTensors, validateLossParams, type LossName } from '../../core/losses'
import { loadFontDataset, fontImageSet, fontPairSet } from '../../core/data'
import {
  DEFAULT_PRESET,
  PRESETS,
  createRunFolder,
  evaluatePairs,
  newRunId,
  presetConfig,
  resolveReplicas,
  saveWeights,
  trainModel,
  validateTrainConfig,
  type PairEvaluation,
  type TrainConfig
} from '../../core/train'
import { formatDuration, metricsTable } from '../format'
import { progressPrinter } from '../progress'
import { UsageError, type CliIo } from '../io'

const BACKENDS: BackendChoice[] = ['node-gpu', 'node', 'wasm', 'cpu']

export const TRAIN_USAGE = `Usage: npm run cli -- train [options]
  --preset NAME        recipe to start from (${Object.keys(PRESETS).join(', ')}; default ${DEFAULT_PRESET})
  --loss NAME          ${LOSS_NAMES.join(', ')}
  --s X --d X --m X    loss scale, D-Softmax intra bound d, margin m (radians for ArcFace)
  --rate X | --count N negative classes sampled per step by dsoftmax-k
  --margin-gradient full|detached   ArcFace margin gradient
  --epochs N | --steps N            length of the run
  --batch N --lr X --embedding N --seed N
  --backend NAME       force ${BACKENDS.join(', ')} (default: the fastest that works)
  --replicas N|auto    data-parallel threads (default auto: one per core on wasm/cpu)
  --out DIR            workspace folder; the run goes to DIR/runs/<id> (default ./workspace)
  --json               print the final result as one JSON object on stdout
`

export interface TrainOutcome {
  runDir: string
  config: TrainConfig
  backend: BackendReport
  test: PairEvaluation
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isFinite(parsed)) throw new UsageError(`--${name} must be a number, got "${value}"`)
  return parsed
}

export function configFromArgs(argv: string[]): { config: TrainConfig; backend?: BackendChoice; out: string; json: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      preset: { type: 'string' },
      loss: { type: 'string' },
      s: { type: 'string' },
      d: { type: 'string' },
      m: { type: 'string' },
      rate: { type: 'string' },
      count: { type: 'string' },
      'margin-gradient': { type: 'string' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      embedding: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      replicas: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' }
    }
  })
  const config = presetConfig(values.preset ?? DEFAULT_PRESET)
  if (values.loss !== undefined) {
    if (!(LOSS_NAMES as readonly string[]).includes(values.loss)) {
      throw new UsageError(`unknown loss "${values.loss}"; choose one of: ${LOSS_NAMES.join(', ')}`)
    }
    config.loss = values.loss as LossName
  }
  const params = { ...config.lossParams }
  for (const key of ['s', 'd', 'm', 'rate', 'count'] as const) {
    const v = number(values[key], key)
    if (v !== undefined) params[key] = v
  }
  const marginGradient = values['margin-gradient']
  if (marginGradient !== undefined) {
    if (marginGradient !== 'full' && marginGradient !== 'detached') {
      throw new UsageError(`--margin-gradient must be "full" or "detached", got "${marginGradient}"`)
    }
    params.marginGradient = marginGradient
  }
  config.lossParams = params
  const epochs = number(values.epochs, 'epochs')
  const steps = number(values.steps, 'steps')
  if (epochs !== undefined) {
    config.epochs = epochs
    delete config.steps
  }
  if (steps !== undefined) config.steps = steps
  config.batchSize = number(values.batch, 'batch') ?? config.batchSize
  config.optimizer.lr = number(values.lr, 'lr') ?? config.optimizer.lr
  config.embeddingDim = number(values.embedding, 'embedding') ?? config.embeddingDim
  config.seed = number(values.seed, 'seed') ?? config.seed
  if (values.replicas !== undefined) config.replicas = values.replicas === 'auto' ? 'auto' : (number(values.replicas, 'replicas') as number)
  const recipeProblems = validateTrainConfig(config)
  if (recipeProblems.length > 0) throw new UsageError(`invalid options: ${recipeProblems.join('; ')}`)
  const lossProblems = validateLossParams(config.loss, config.lossParams)
  if (lossProblems.length > 0) throw new UsageError(`invalid ${config.loss} parameters: ${lossProblems.join('; ')}`)
  const backend = values.backend
  if (backend !== undefined && !(BACKENDS as string[]).includes(backend)) {
    throw new UsageError(`unknown backend "${backend}"; choose one of: ${BACKENDS.join(', ')}`)
  }
  return { config, backend: backend as BackendChoice | undefined, out: resolve(values.out ?? 'workspace'), json: values.json === true }
}

export async function runTraining(
  config: TrainConfig,
  options: { backend?: BackendChoice; out: string; io: CliIo; quiet?: boolean }
): Promise<TrainOutcome> {
  const { io } = options
  const say = (line: string): void => {
    if (!options.quiet) io.stderr(line + '\n')
  }
  const backend = await initBackend({ force: options.backend })
  say(describeBackend(backend))
  const dataset = await loadFontDataset()
  const labelBy = config.dataset === 'fonts-chars' ? 'character' : 'font'
  const train = fontImageSet(dataset, 'train', labelBy)
  const val = fontPairSet(dataset, 'val')
  const test = fontPairSet(dataset, 'test')
  say(`data: bundled fonts, ${train.classes} training classes, ${train.count} images; ${val.pairs.length} val and ${test.pairs.length} test pairs`)
  const run = createRunFolder(options.out, newRunId(config.preset, config.loss))
  const versions = { node: process.version, ...backend.versions }
  run.writeConfig({ ...config, replicasUsed: resolveReplicas(config, backend.choice), backend, versions, createdAt: new Date().toISOString() })
  say(`run: ${run.dir}`)

  const printProgress = progressPrinter(io)
  const model = await trainModel(config, { train, val }, {
    onEvent: (event) => {
      switch (event.type) {
        case 'started':
          say(
            `model: ${config.backbone}, ${event.parameters.toLocaleString('en')} parameters, ${(event.macsPerImage / 1e6).toFixed(2)} M MAC/image; ` +
              `${event.totalSteps} steps of ${config.batchSize}` +
              (event.replicas > 1 ? `, split over ${event.replicas} data-parallel threads` : '')
          )
          run.appendMetrics({ kind: 'started', ...event })
          break
        case 'step':
          if (!options.quiet) printProgress(event)
          if (event.step % 10 === 0 || event.step === event.totalSteps) {
            const { type: _type, ...record } = event
            run.appendMetrics({ kind: 'train', ...record })
          }
          break
        case 'validation': {
          const r = event.evaluation.report
          run.appendMetrics({ kind: 'validation', step: event.step, epoch: event.epoch, set: event.evaluation.set, auc: r.auc, eer: r.eer, tenFold: r.tenFold.mean })
          say(`validation after epoch ${event.epoch}: AUC ${r.auc.toFixed(4)}, EER ${(100 * r.eer).toFixed(2)}%, 10-fold ${(100 * r.tenFold.mean).toFixed(2)}%`)
          break
        }
        case 'finished':
          say(`trained ${event.steps} steps in ${formatDuration(event.seconds)}`)
          break
      }
    }
  }, { backend: backend.choice })
  try {
    saveWeights(run, 'checkpoints/final', [
      ...model.backbone.params.map((p) => ({ name: p.name, tensor: p.variable })),
      ...headTensors(model.head)
    ])
    const evaluations = [evaluatePairs(model.backbone, test, { flip: false })]
    if (config.evalFlip) evaluations.push(evaluatePairs(model.backbone, test, { flip: true }))
    for (const evaluation of evaluations) {
      const name = `${evaluation.set}${evaluation.flip ? '-flip' : ''}`
      run.writeJson(`eval/${name}.json`, evaluation.report)
      let csv = 'label,score\n'
      evaluation.scores.forEach((score, i) => (csv += `${evaluation.labels[i]},${score}\n`))
      run.writeFile(`eval/${name}-scores.csv`, csv)
      run.appendMetrics({ kind: 'test', set: name, auc: evaluation.report.auc, eer: evaluation.report.eer, tenFold: evaluation.report.tenFold.mean })
    }
    return { runDir: run.dir, config, backend, test: evaluations[0] }
  } finally {
    model.dispose()
  }
}

export async function trainCommand(argv: string[], io: CliIo, mode: 'train' | 'demo' = 'train'): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(TRAIN_USAGE)
    return 0
  }
  const { config, backend, out, json } = configFromArgs(argv)
  if (mode === 'demo') {
    io.stderr(`D-Softmax Studio demo: ${config.loss} (s = ${config.lossParams.s}, d = ${config.lossParams.d}) on the bundled font identities\n`)
  }
  const outcome = await runTraining(config, { backend, out, io })
  const report = outcome.test.report
  if (json) {
    const { folds: _folds, thresholds: _thresholds, ...tenFold } = report.tenFold
    io.stdout(JSON.stringify({ run: outcome.runDir, loss: config.loss, backend: outcome.backend.choice, test: { ...report, tenFold } }) + '\n')
  } else {
    io.stdout('\n' + metricsTable(`Test verification (${outcome.test.set}, no flip), ${config.loss}:`, report))
    io.stdout(`\nRun written to ${outcome.runDir}\n  config.json, metrics.jsonl, checkpoints/final/, eval/${outcome.test.set}.json, eval/${outcome.test.set}-scores.csv\n`)
  }
  return 0
}
