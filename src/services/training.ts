/**
 * `training:*`: starts the engine's trainer in its own process (D's TrainerHost over a
 * launcher: child_process.fork in the web host, utilityProcess in Electron), relays its events
 * as `training:event` / `training:state` / `training:log`, and answers pause/resume/stop.
 * Nothing here trains: this module runs on the host's main thread.
 */
import { existsSync } from 'node:fs'
import { HostError, type RecipeCheck, type StartTrainingRequest, type TrainingState, type TrainRecipe } from '../common/contract'
import type { RunEvent } from '../common/trainer'
import { initialTrainingState, reduceTrainingState } from '../common/trainingState'
import { loadFontDataset } from '../core/data'
import { DEFAULT_PRESET, presetConfig } from '../core/train/presets'
import { TrainerHost, newRunIdFor, type StartRequest, type TrainerChannel } from '../core/train/process/host'
import { lockHolder } from '../core/train/runLock'
import { readRunRecord, renameRun, runDir } from '../core/train/runs'
import type { ServiceContext } from './context'
import type { DataSize, SpeedBasis } from './estimate'
import type { ModelFamily } from './throughput'
import { expandUserPath } from './paths'

export interface TrainingOptions {
  /** Starts one trainer process. */
  launch: () => TrainerChannel
  /** Called once per run that ends (finished, stopped, failed, interrupted): desktop notification. */
  onRunEnded?: (state: TrainingState) => void
  /** Where a dataset on disk was sized before (datasets.json), to estimate steps and time. */
  knownDataSize?: (path: string) => DataSize | null
  /** This machine's measured training speed for the recipe's model family (the estimate's time basis). */
  speedBasis?: (family: ModelFamily) => SpeedBasis
}

interface Training {
  host: TrainerHost
  state: TrainingState
}

/** One trainer event in words, for the dashboard's log. */
export function describeEvent(event: RunEvent): string | null {
  const n = (value: number, digits = 4): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value))
  switch (event.type) {
    case 'started':
      return `started ${event.runId}: ${event.model.backbone} (${event.model.parameters.toLocaleString('en')} parameters) on ${event.dataset.name} (${event.dataset.examples} images, ${event.dataset.classes} classes), ${event.backend.choice} — ${event.device}${event.resumedFrom ? `, resumed from ${event.resumedFrom}` : ''}`
    case 'progress':
      return event.step % 10 === 0 || event.step === event.totalSteps
        ? `step ${event.step}/${event.totalSteps}  loss ${n(event.loss)}  intra ${n(event.intra)}  inter ${n(event.inter)}  lr ${event.lr.toExponential(2)}  ${event.imagesPerSecond.toFixed(1)} img/s`
        : null
    case 'validation':
      return `validation on ${event.validation.set} at step ${event.step}: AUC ${n(event.validation.auc)}, EER ${n(event.validation.eer)}, 10-fold ${n(event.validation.tenFold)}${event.validation.best ? ' (best so far)' : ''}`
    case 'checkpoint':
      return `checkpoint at step ${event.step} (${event.reason}${event.best ? ', best' : ''})`
    case 'paused':
      return `paused at step ${event.step}`
    case 'resumed':
      return `resumed at step ${event.step}`
    case 'warning':
      return `warning: ${event.message}`
    case 'finished':
      return `${event.stopped ? 'stopped' : 'finished'} after ${event.steps} steps in ${event.seconds.toFixed(0)} s${event.test ? `; test AUC ${n(event.test.auc)}, EER ${n(event.test.eer)}` : ''}${event.finalValidation ? `; validation AUC ${n(event.finalValidation.auc)} (final weights; no test set)` : ''}`
    case 'failed':
      return `failed: ${event.message}`
    case 'exited':
      return event.message
    default:
      return null
  }
}

export class TrainingService {
  private readonly trainings = new Map<string, Training>()
  private fonts: Promise<{ fonts: number; trainFonts: number }> | null = null

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: TrainingOptions
  ) {}

  isTraining(runId: string): boolean {
    const t = this.trainings.get(runId)
    return (
      t !== undefined &&
      (t.state.phase === 'starting' || t.state.phase === 'running' || t.state.phase === 'paused' || t.state.phase === 'stopping')
    )
  }

  active(): TrainingState[] {
    return [...this.trainings.values()].map((t) => t.state)
  }

  private async dataSize(recipe: TrainRecipe): Promise<DataSize | null> {
    if (recipe.dataset === 'files')
      return recipe.data?.train ? (this.options.knownDataSize?.(expandUserPath(recipe.data.train)) ?? null) : null
    this.fonts ??= loadFontDataset().then((d) => ({ fonts: d.fonts.length, trainFonts: d.split.train.length }))
    const { trainFonts } = await this.fonts
    return { examples: trainFonts * 62, classes: recipe.dataset === 'fonts-chars' ? 62 : trainFonts }
  }

  async validate(recipe: TrainRecipe): Promise<RecipeCheck> {
    const problems: string[] = []
    if (recipe.data?.train && !existsSync(expandUserPath(recipe.data.train)))
      problems.push(`training data ${recipe.data.train} does not exist`)
    if (recipe.data?.val && !existsSync(expandUserPath(recipe.data.val)))
      problems.push(`validation pairs ${recipe.data.val} do not exist`)
    if (recipe.data?.test && !existsSync(expandUserPath(recipe.data.test)))
      problems.push(`test pairs ${recipe.data.test} do not exist`)
    for (const extra of recipe.data?.extraVal ?? [])
      if (!existsSync(expandUserPath(extra))) problems.push(`validation pairs ${extra} do not exist`)
    const { checkRecipe, channelsOf } = await import('./estimate')
    const speed = this.options.speedBasis?.(channelsOf(recipe) === 1 ? 'glyph' : 'face')
    const check = checkRecipe(recipe, await this.dataSize(recipe).catch(() => null), speed)
    return { ...check, problems: [...problems, ...check.problems] }
  }

  async start(request: StartTrainingRequest): Promise<TrainingState> {
    if (request.kind === 'quick') return this.launch({ config: presetConfig(DEFAULT_PRESET) })
    const recipe: TrainRecipe = structuredClone(request.recipe)
    if (recipe.data) {
      const { train, val, extraVal, test } = recipe.data
      recipe.data = {
        train: expandUserPath(train),
        ...(val ? { val: expandUserPath(val) } : {}),
        ...(extraVal?.length ? { extraVal: extraVal.map((path) => expandUserPath(path)) } : {}),
        ...(test ? { test: expandUserPath(test) } : {})
      }
    }
    const check = await this.validate(recipe)
    if (check.problems.length) throw new HostError('bad-request', `the recipe cannot start: ${check.problems.join('; ')}`)
    return this.launch({ config: recipe, ...(request.backend ? { backend: request.backend } : {}) }, request.name)
  }

  async resumeRun(runId: string, backend?: string): Promise<TrainingState> {
    if (this.isTraining(runId)) throw new HostError('conflict', `run "${runId}" is already training`)
    const dir = runDir(this.ctx.workspace(), runId)
    if (!existsSync(dir)) throw new HostError('not-found', `no run "${runId}" in ${this.ctx.workspace()}`)
    const record = readRunRecord(dir)
    if (record.status === 'finished')
      throw new HostError('conflict', `run "${runId}" has finished; start a new run to train more`)
    // Another process (the CLI, another app window's host) trains it: its lock says so.
    const holder = lockHolder(dir)
    if (holder)
      throw new HostError(
        'conflict',
        `run "${runId}" is being trained by process ${holder.pid} (since ${holder.since}); stop that training first`
      )
    return this.launch({ resumeRun: runId, ...(backend ? { backend } : {}) })
  }

  private launch(request: StartRequest, name?: string): Promise<TrainingState> {
    // The host names a new run before its trainer starts (unique among this host's trainings too).
    const runId =
      'resumeRun' in request
        ? request.resumeRun
        : newRunIdFor(this.ctx.workspace(), request.config, (id) => this.trainings.has(id))
    const command: StartRequest = 'resumeRun' in request ? request : { ...request, runId }
    const channel = this.options.launch()
    const host = new TrainerHost(channel, this.ctx.workspace())
    const training: Training = { host, state: initialTrainingState(runId) }
    this.trainings.set(runId, training)
    const log = (lines: string[]): void => {
      if (lines.length) this.ctx.emit('training:log', { runId, lines })
    }
    channel.onOutput?.((text) => log(text.split('\n').filter((line) => line.trim().length > 0)))

    return new Promise<TrainingState>((resolve, reject) => {
      let settled = false
      host.on((event) => {
        try {
          const state = reduceTrainingState(training.state, event)
          training.state = state
          this.ctx.emit('training:event', { runId, event })
          const line = describeEvent(event)
          if (line) log([line])
          if (event.type === 'started' && name) renameRun(this.ctx.workspace(), runId, name)
          if (
            event.type === 'progress' ||
            event.type === 'started' ||
            event.type === 'paused' ||
            event.type === 'resumed' ||
            event.type === 'checkpoint' ||
            event.type === 'validation'
          ) {
            this.ctx.emit('training:state', state)
          }
          if (event.type === 'started') {
            this.ctx.emit('runs:changed', { runId, reason: 'resumeRun' in command ? 'resumed' : 'created' })
            if (!settled) {
              settled = true
              resolve(state)
            }
          }
          if (event.type === 'finished' || event.type === 'failed' || event.type === 'exited') {
            this.ctx.emit('training:state', state)
            this.ctx.emit('runs:changed', { runId, reason: state.phase })
            if (!settled) {
              // It never started: nothing of it is left to follow.
              this.trainings.delete(runId)
              settled = true
              reject(
                new HostError(
                  'failed',
                  `the run could not start: ${event.type === 'finished' ? 'it ended before it began' : event.message}`
                )
              )
            } else {
              this.options.onRunEnded?.(state)
            }
          }
        } catch (error) {
          // A bug here must not stop the relay of the trainer's later events.
          console.error('[training] handling a trainer event failed:', error)
        }
      })
      host.start(command)
    })
  }

  private running(runId: string): Training {
    const training = this.trainings.get(runId)
    if (!training || !this.isTraining(runId)) throw new HostError('not-found', `run "${runId}" is not training in this app`)
    return training
  }

  pause(runId: string): TrainingState {
    const t = this.running(runId)
    if (t.state.phase === 'stopping') throw new HostError('conflict', `run "${runId}" is stopping`)
    t.host.pause()
    return t.state
  }

  resume(runId: string): TrainingState {
    const t = this.running(runId)
    t.host.resume()
    return t.state
  }

  /** Finishes the current step, writes a checkpoint, ends the process (the run stays resumable). */
  stop(runId: string): TrainingState {
    const t = this.running(runId)
    t.host.stop()
    t.state = { ...t.state, phase: 'stopping' }
    this.ctx.emit('training:state', t.state)
    return t.state
  }

  stopAll(): void {
    for (const [runId] of this.trainings) if (this.isTraining(runId)) this.trainings.get(runId)?.host.stop()
  }

  /** Resolves when every trainer process has ended (after stopAll, for a clean quit). */
  async settled(): Promise<void> {
    await Promise.all([...this.trainings.values()].map((t) => t.host.done))
  }
}
