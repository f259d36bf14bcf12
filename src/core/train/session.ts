// One training run in its run folder, start to end: create (or reopen for resume) the folder,
// load the data, train with checkpoints, evaluate, and keep run.json, metrics.jsonl and log.txt
// current. Speaks the trainer protocol's events; the trainer process and in-process callers
// (tests) both use it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  BACKEND_CHOICES,
  adapterName,
  describeBackend,
  initBackend,
  type BackendChoice,
  type BackendInitReport
} from '../backend'
import { gpuFitProblems, gpuPlanOf, wasmHeapProblems } from './memoryFit'
import { centreCollapseWarning } from '../eval'
import { fontImageSet, fontPairSet, loadFontDataset } from '../data'
import { openPairSet, openTrainingData, type TrainingData } from '../data/open'
import type { PairSet } from '../data/imageSets'
import type { TrainerProcessEvent, ValidationSummary } from '../../common/trainer'
import { describeIssues } from '../../common/messages'
import { trainRecipeSchema } from '../../common/schemas/recipe'
import { inputChannels } from '../models/architectures'
import { validateTrainConfig, type TrainConfig } from './config'
import { resolveLossParams, unreadKnobs, type LossParams } from '../losses'
import { CheckpointStore, checkpointValues, shapeOf, type LoadedCheckpoint } from './checkpoint'
import { evaluatePairs, type PairEvaluation } from './evaluate'
import { checkNewRunId, createRunFolder, openRunFolder, saveWeights, type RunFolder } from './runStore'
import { existingRun, unusedRunId, writeRunRecord } from './runs'
import { acquireRunLock, type RunLock } from './runLock'
import {
  TrainingDivergedError,
  batchSourceFactory,
  resolveReplicas,
  trainModel,
  type BatchSourceFactory,
  type TrainEvent
} from './trainer'

export interface SessionRequest {
  workspace: string
  /** A new run's recipe, or… */
  config?: TrainConfig
  /** …the id of a run to resume. */
  resumeRun?: string
  /** The id for a new run (a sweep names its runs); default a timestamped one. */
  runId?: string
  backend?: BackendChoice
}

export interface SessionControl {
  shouldStop(): boolean
  /** Awaited before each step (pause). */
  gate(): Promise<void> | void
}

/** Fields config.json holds besides the recipe. */
const RUN_FACTS = ['replicasUsed', 'backend', 'versions', 'createdAt'] as const

/** The recipe stored in a run's config.json (`file`, for the message when it is not one). */
export function recipeOf(stored: Record<string, unknown>, file = 'config.json'): TrainConfig {
  const recipe = { ...stored }
  for (const key of RUN_FACTS) delete recipe[key]
  const parsed = trainRecipeSchema.safeParse(recipe)
  if (!parsed.success) throw new Error(`${file} does not hold a valid training recipe: ${describeIssues(parsed.error.issues)}`)
  return parsed.data
}

/** Where a run's config.json says it ran: the backend chosen and the replicas used (absent in older runs). */
function recordedExecution(stored: Record<string, unknown>): { backend?: BackendChoice; replicas?: number } {
  const backend = stored.backend as { choice?: unknown } | undefined
  const choice =
    typeof backend?.choice === 'string' && (BACKEND_CHOICES as readonly string[]).includes(backend.choice)
      ? (backend.choice as BackendChoice)
      : undefined
  const replicas =
    Number.isInteger(stored.replicasUsed) && (stored.replicasUsed as number) >= 1 ? (stored.replicasUsed as number) : undefined
  return { backend: choice, replicas }
}

interface LoadedData {
  name: string
  train: BatchSourceFactory
  examples: number
  classes: number
  channels: 1 | 3
  /** Validation sets: measured during training, one of them picks checkpoints/best. */
  val?: PairSet[]
  /** Held-out pairs, evaluated once on the final weights, stored in eval/ as test-<set>. */
  test?: PairSet
  close(): Promise<void>
}

async function loadData(config: TrainConfig): Promise<LoadedData> {
  if (config.dataset === 'files') {
    const paths = config.data as NonNullable<TrainConfig['data']>
    const channels = inputChannels(config.backbone)
    const data: TrainingData = await openTrainingData(paths.train, { inputSize: config.inputSize, channels })
    const valSets: PairSet[] = []
    for (const path of paths.val ? [paths.val, ...(paths.extraVal ?? [])] : [])
      valSets.push(await openPairSet(path, { inputSize: config.inputSize, channels }))
    const val = valSets.length > 0 ? valSets : undefined
    return {
      name: paths.train,
      train: (startAt) => data.batches({ batchSize: config.batchSize, seed: config.seed + 3, augment: config.augment, startAt }),
      examples: data.examples,
      classes: data.classes,
      channels,
      val,
      ...(paths.test ? { test: await openPairSet(paths.test, { inputSize: config.inputSize, channels }) } : {}),
      // trainModel closes its batch sources too; closing a streaming source twice is harmless.
      close: () => data.close()
    }
  }
  const dataset = await loadFontDataset()
  const set = fontImageSet(dataset, 'train', config.dataset === 'fonts-chars' ? 'character' : 'font')
  return {
    name: config.dataset === 'fonts-chars' ? 'bundled fonts (labelled by character)' : 'bundled fonts',
    train: batchSourceFactory(config, set),
    examples: set.count,
    classes: set.classes,
    channels: 1,
    val: [fontPairSet(dataset, 'val')],
    test: fontPairSet(dataset, 'test'),
    close: async () => {}
  }
}

function summary(evaluation: PairEvaluation, metric: string, value: number, best: boolean): ValidationSummary {
  const r = evaluation.report
  return { set: evaluation.set, auc: r.auc, eer: r.eer, tenFold: r.tenFold.mean, metric, value, best }
}

/** What an end-of-run evaluation measured: held-out test pairs, or (without them) the validation pairs again. */
export type EvaluationRole = 'test' | 'validation'

/**
 * Writes the raw scores and the report of an end-of-run evaluation to eval/, named by its role
 * (eval/test-<set>.json, eval/validation-<set>.json): validation pairs helped pick the checkpoint,
 * so their figures are never filed as a test.
 */
function storeEvaluation(run: RunFolder, evaluation: PairEvaluation, role: EvaluationRole): string {
  const name = `${role}-${evaluation.set}${evaluation.flip ? '-flip' : ''}`
  run.writeJson(`eval/${name}.json`, evaluation.report)
  let csv = 'label,score\n'
  evaluation.scores.forEach((score, i) => (csv += `${evaluation.labels[i]},${score}\n`))
  run.writeFile(`eval/${name}-scores.csv`, csv)
  run.appendMetrics({
    kind: role === 'test' ? 'test' : 'final-validation',
    set: name,
    auc: evaluation.report.auc,
    eer: evaluation.report.eer,
    tenFold: evaluation.report.tenFold.mean
  })
  return name
}

export async function runSession(
  request: SessionRequest,
  emit: (event: TrainerProcessEvent) => void,
  control: SessionControl
): Promise<void> {
  let run: RunFolder | undefined
  let lock: RunLock | undefined
  let step = 0
  const fail = (message: string): void => {
    if (run) {
      run.log(`failed: ${message}`)
      writeRunRecord(run.dir, { status: 'failed', message, step })
    }
    emit({ type: 'failed', message, step, runId: run?.id, runDir: run?.dir })
  }
  try {
    let config: TrainConfig
    let resume: LoadedCheckpoint | undefined
    const warnings: string[] = []
    let backendChoice = request.backend
    /** A resumed run's replica count, as it recorded it (not resolved again on this machine). */
    let recordedReplicas: number | undefined
    if (request.resumeRun) {
      const dir = existingRun(request.workspace, request.resumeRun)
      // Before anything is written: a run another trainer holds is left alone (not even marked failed).
      lock = acquireRunLock(dir)
      run = openRunFolder(dir)
      const stored = JSON.parse(readFileSync(join(run.dir, 'config.json'), 'utf8')) as Record<string, unknown>
      config = recipeOf(stored, join(run.dir, 'config.json'))
      // Runs recorded before unread knobs were refused may carry some: they never shaped the run.
      const unread = unreadKnobs(config.loss, config.lossParams ?? {})
      if (unread.length > 0) {
        config = {
          ...config,
          lossParams: Object.fromEntries(
            Object.entries(config.lossParams).filter(([key]) => !unread.includes(key as keyof LossParams))
          )
        }
        warnings.push(
          `the recorded recipe sets ${unread.map((k) => `lossParams.${k}`).join(', ')}, which ${config.loss} does not read; ignored as before`
        )
      }
      const recorded = recordedExecution(stored)
      recordedReplicas = recorded.replicas
      if (recorded.backend !== undefined && request.backend !== undefined && request.backend !== recorded.backend) {
        warnings.push(
          `resumed on the ${request.backend} backend (--backend) although the run trained on ${recorded.backend}: ` +
            'its arithmetic rounds differently, so the run no longer matches an uninterrupted one bit for bit'
        )
      }
      backendChoice = request.backend ?? recorded.backend
      const { checkpoint, skipped } = new CheckpointStore(join(run.dir, 'checkpoints'), config.keepCheckpoints ?? 3).latest()
      for (const s of skipped) warnings.push(`checkpoint ${s.name} is unusable (${s.reason}); trying the one before it`)
      if (checkpoint) {
        resume = checkpoint
        if (skipped.length > 0) warnings.push(`resuming from ${checkpoint.name} (step ${checkpoint.meta.step}) instead`)
      } else warnings.push('no usable checkpoint in this run: it starts again from step 0')
    } else {
      if (!request.config) throw new Error('start needs a recipe or a run to resume')
      config = request.config
      // Refused before any work: the host named a run that exists.
      if (request.runId) checkNewRunId(request.workspace, request.runId)
    }
    const problems = validateTrainConfig(config)
    if (problems.length > 0) throw new Error(`invalid training recipe: ${problems.join('; ')}`)
    // The recorded recipe names ArcFace's fallback form even when it was left at the default.
    if (config.loss === 'arcface' && config.lossParams.marginFallback === undefined) {
      config = {
        ...config,
        lossParams: { ...config.lossParams, marginFallback: resolveLossParams('arcface', config.lossParams).marginFallback }
      }
    }

    const backend: BackendInitReport = await initBackend({ force: backendChoice })
    const data = await loadData(config)
    if (backend.adapter) {
      // Refused before a run folder exists: a tensor over the adapter's buffer limit fails mid-step.
      const problems = gpuFitProblems(
        gpuPlanOf(config, data.classes, data.channels),
        backend.adapter,
        adapterName(backend.adapter)
      )
      if (problems.length > 0) {
        await data.close()
        throw new Error(`the recipe does not fit the GPU: ${problems.join('; ')}`)
      }
    }
    const replicas = recordedReplicas ?? resolveReplicas(config, backend.choice)
    if (backend.choice === 'wasm') {
      // A share over wasm's heap aborts the module mid-step ("memory access out of bounds").
      const problems = wasmHeapProblems(config, data.classes, data.channels, replicas)
      if (problems.length > 0) {
        await data.close()
        throw new Error(`the recipe does not fit: ${problems.join('; ')}`)
      }
    }
    if (!run) {
      run = createRunFolder(request.workspace, request.runId ?? unusedRunId(request.workspace, config.preset, config.loss))
      lock = acquireRunLock(run.dir)
      run.writeConfig({
        ...config,
        replicasUsed: replicas,
        backend,
        versions: { node: process.version, ...backend.versions },
        createdAt: new Date().toISOString()
      })
    }
    const folder = run
    writeRunRecord(folder.dir, { status: 'running', pid: process.pid, step: resume?.meta.step ?? 0 })
    folder.log(
      resume ? `resuming from ${resume.name} (step ${resume.meta.step}) on ${backend.choice}` : `started on ${backend.choice}`
    )
    for (const message of warnings) {
      folder.log(`warning: ${message}`)
      emit({ type: 'warning', message })
    }

    const store = new CheckpointStore(join(folder.dir, 'checkpoints'), config.keepCheckpoints ?? 3)
    let lastValidation: ValidationSummary | undefined
    let validatedAt = -1
    let totalSteps = 0
    let paused = false
    let seconds = 0
    const gate = async (): Promise<void> => {
      // A step is synchronous compute and batches may resolve without a macrotask: yield to the event
      // loop once per step so pause/stop commands (and a vanished host) are seen between steps.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const wait = control.gate()
      if (wait instanceof Promise) {
        if (!paused) {
          paused = true
          writeRunRecord(folder.dir, { status: 'paused', pid: process.pid, step })
          emit({ type: 'paused', step })
        }
        await wait
      }
      if (paused) {
        paused = false
        writeRunRecord(folder.dir, { status: 'running', pid: process.pid, step })
        emit({ type: 'resumed', step })
      }
    }
    const onEvent = (event: TrainEvent): void => {
      switch (event.type) {
        case 'started': {
          totalSteps = event.totalSteps
          step = event.startStep
          const workers = event.replicas - 1
          emit({
            type: 'started',
            runId: folder.id,
            runDir: folder.dir,
            backend: { choice: backend.choice, description: describeBackend(backend) },
            device: `${backend.tfBackend}${workers > 0 ? `, 1 + ${workers} data-parallel worker thread${workers === 1 ? '' : 's'}` : ''}`,
            dataset: {
              name: data.name,
              examples: data.examples,
              classes: data.classes,
              valPairs: (data.val ?? []).reduce((n, set) => n + set.pairs.length, 0)
            },
            model: { backbone: config.backbone, parameters: event.parameters, macsPerImage: event.macsPerImage },
            replicas: event.replicas,
            totalSteps: event.totalSteps,
            stepsPerEpoch: event.stepsPerEpoch,
            startStep: event.startStep,
            ...(event.resumedFrom ? { resumedFrom: event.resumedFrom } : {})
          })
          folder.appendMetrics({ kind: 'started', ...event })
          writeRunRecord(folder.dir, { status: 'running', pid: process.pid, step, totalSteps })
          break
        }
        case 'step': {
          step = event.step
          // The common progress payload passes through whole: a new metric needs no edit here.
          const { type: _t, stepSeconds: _s, ...progress } = event
          emit({ type: 'progress', ...progress })
          if (event.step % 10 === 0 || event.step === event.totalSteps) folder.appendMetrics({ kind: 'train', ...progress })
          break
        }
        case 'validation': {
          lastValidation = summary(event.evaluation, event.metric, event.value, event.best)
          validatedAt = event.step
          folder.appendMetrics({ kind: 'validation', step: event.step, epoch: event.epoch, ...lastValidation })
          emit({ type: 'validation', step: event.step, epoch: event.epoch, validation: lastValidation })
          break
        }
        case 'checkpoint':
          folder.log(`checkpoint ${event.dir} (${event.reason}${event.best ? ', best' : ''}) in ${event.seconds.toFixed(3)} s`)
          writeRunRecord(folder.dir, { step: event.step, totalSteps })
          emit({
            type: 'checkpoint',
            step: event.step,
            dir: event.dir,
            reason: event.reason,
            best: event.best,
            seconds: event.seconds
          })
          break
        case 'epoch':
          emit({
            type: 'epoch-end',
            epoch: event.epoch,
            step: event.step,
            ...(lastValidation && validatedAt === event.step ? { validation: lastValidation } : {})
          })
          break
        case 'warning':
          folder.log(`warning: ${event.message}`)
          emit({ type: 'warning', message: event.message, step: event.step })
          break
        case 'finished':
          seconds = event.seconds
          break
      }
    }
    const model = await trainModel(
      config,
      { train: data.train, val: data.val },
      { onEvent, shouldStop: () => control.shouldStop(), gate },
      { backend: backend.choice, checkpoints: store, resume, replicas }
    ).finally(() => data.close())
    try {
      let test: { set: string; auc: number; eer: number; tenFold: number } | undefined
      let finalValidation: typeof test
      if (!model.stopped) {
        const weights = model.weights()
        await saveWeights(folder, 'checkpoints/final', weights)
        // The collapse check looks at up to 2000 classes: only then are the centres read.
        const centres = weights.find((w) => w.name === 'head/centres')
        const [classes, dim] = centres ? shapeOf(centres) : [0, 0]
        const collapse = centres && classes <= 2000 ? centreCollapseWarning(await checkpointValues(centres), dim) : null
        if (collapse) {
          folder.log(`warning: ${collapse}`)
          emit({ type: 'warning', message: collapse, step: model.steps })
        }
        // The held-out test set when there is one; otherwise the final weights on the validation set
        // that picks checkpoints, filed as validation.
        const role: EvaluationRole = data.test ? 'test' : 'validation'
        const pairs = data.test ?? data.val?.find((s) => s.name === config.bestSet) ?? data.val?.[0]
        if (pairs) {
          const evaluations = [await evaluatePairs(model.backbone, pairs, { flip: false })]
          if (config.evalFlip) evaluations.push(await evaluatePairs(model.backbone, pairs, { flip: true }))
          const names = evaluations.map((e) => storeEvaluation(folder, e, role))
          const r = evaluations[0].report
          const figures = { set: names[0], auc: r.auc, eer: r.eer, tenFold: r.tenFold.mean }
          if (role === 'test') test = figures
          else finalValidation = figures
        }
      }
      writeRunRecord(folder.dir, { status: model.stopped ? 'stopped' : 'finished', step: model.steps, totalSteps })
      folder.log(model.stopped ? `stopped at step ${model.steps}; resumable` : `finished ${model.steps} steps`)
      emit({
        type: 'finished',
        runId: folder.id,
        runDir: folder.dir,
        steps: model.steps,
        seconds,
        stopped: model.stopped,
        ...(test ? { test } : {}),
        ...(finalValidation ? { finalValidation } : {})
      })
    } finally {
      model.dispose()
    }
  } catch (error) {
    if (error instanceof TrainingDivergedError) step = error.step
    fail(error instanceof Error ? error.message : String(error))
  } finally {
    lock?.release()
  }
}
