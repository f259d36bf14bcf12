/**
 * The contract's services, host-neutral: Electron main and the web host both build them with
 * createServices and bind the handlers to their transport (IPC, HTTP). Everything that differs
 * between hosts comes in through HostOptions: how a trainer process starts, dialogs, app info.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import {
  HostError,
  type AppInfo,
  type BackendReport,
  type DialogResult,
  type RequestOf,
  type TrainingState
} from '../common/contract'
import { evaluationReportSchema } from '../common/schemas/evaluation'
import { TRAIN_BACKENDS } from '../common/schemas/recipe'
import type { AlignSettings } from '../core/align/settings'
import type { TrainerChannel } from '../core/train/process/host'
import { runDir } from '../core/train/runs'
import type { ServiceContext } from './context'
import type { ChannelHandlers } from './dispatch'
import { DatasetsService } from './datasets'
import type { Emit } from './events'
import { createJobPool, type JobRunner } from './jobs/runner'
import { expandUserPath, isInside } from './paths'
import { PathGrants } from './grants'
import { RunsService } from './runs'
import { SettingsStore } from './settings'
import { TaskRegistry } from './tasks'
import { ThroughputCache } from './throughput'
import { TrainingService } from './training'
import { WorkspaceService } from './workspace'
import { SweepsService } from './sweeps/service'

export interface Dialogs {
  open(request: RequestOf<'dialog:open'>): Promise<DialogResult>
  save(request: RequestOf<'dialog:save'>): Promise<DialogResult>
  /**
   * Asks the user natively whether a path the page sent (typed, dropped, remembered) may be
   * used. Hosts without it (the web host) allow every path: there the token is the grant.
   */
  confirmAccess?(path: string, purpose: string): Promise<boolean>
}

/** The web host's answer: no native dialogs, the renderer shows a path field instead. */
export const NO_DIALOGS: Dialogs = {
  open: async () => ({ supported: false }),
  save: async () => ({ supported: false })
}

export interface HostOptions {
  /** settings.json (recent workspaces, window state). */
  settingsFile: string
  /** Workspace when none is remembered. */
  defaultWorkspace: string
  appInfo: () => AppInfo
  emit: Emit
  launchTrainer: () => TrainerChannel
  dialogs?: Dialogs
  /** Engine jobs (evaluation, export, projection, probe); default: one long-lived worker thread. */
  runJob?: JobRunner
  onRunEnded?: (state: TrainingState) => void
}

export type { ChannelHandler, ChannelHandlers } from './dispatch'

export interface Services {
  handlers: ChannelHandlers
  settings: SettingsStore
  workspace: WorkspaceService
  training: TrainingService
  tasks: TaskRegistry
  /** Stops trainings (each checkpoints) and cancels tasks; resolves when the trainers have ended. */
  shutdown(): Promise<void>
}

/** How long `backend:probe` waits for a probe in progress before answering "not probed yet". */
const PROBE_WAIT_MS = 1500

/** The `backend:probe` answer before the engine has chosen: honest "not probed", never a guess. */
export function notProbedReport(
  reason = 'The backend is chosen in the engine process; it has not been probed yet.'
): BackendReport {
  return { status: 'not-probed', choice: null, reason, rejected: [] }
}

/** The engine's alignment settings: the request's choices over the defaults (loaded on first use). */
async function alignSettings(
  choices: Omit<RequestOf<'datasets:align'>, 'source' | 'target' | 'taskId' | 'addDataset'>
): Promise<AlignSettings> {
  const { DEFAULT_ALIGN_SETTINGS } = await import('../core/align/settings')
  return { ...DEFAULT_ALIGN_SETTINGS, ...Object.fromEntries(Object.entries(choices).filter(([, value]) => value !== undefined)) }
}

export function createServices(hostOptions: HostOptions): Services {
  // An event that fails its schema is this host's bug: log it, never let it break a trainer's relay.
  const options: HostOptions = {
    ...hostOptions,
    emit: (event, payload) => {
      try {
        hostOptions.emit(event, payload)
      } catch (error) {
        console.error(`[services] dropped a "${event}" event:`, error instanceof Error ? error.message : error)
      }
    }
  }
  const settings = new SettingsStore(options.settingsFile)
  const workspace = new WorkspaceService(settings, options.defaultWorkspace)
  const tasks = new TaskRegistry(options.emit)
  const pool = options.runJob ? null : createJobPool()
  const runJob: JobRunner = options.runJob ?? pool!.run
  const dialogs = options.dialogs ?? NO_DIALOGS
  /** Paths a save dialog returned this session: exports may go there. */
  const granted = new Set<string>()
  /** Folders and files the page may make the host read or create (see grants.ts). */
  const grants = new PathGrants(
    dialogs.confirmAccess ? (path, purpose) => dialogs.confirmAccess!(path, purpose) : null,
    async () => [
      workspace.current(),
      options.defaultWorkspace,
      ...settings.current.recentWorkspaces.map((r) => r.path),
      ...(await datasets.list().catch(() => [])).map((d) => d.path).filter((p) => p !== '')
    ]
  )
  let training: TrainingService | null = null
  const ctx: ServiceContext = {
    workspace: () => workspace.current(),
    emit: options.emit,
    tasks,
    isTraining: (id) => training?.isTraining(id) ?? false
  }
  const runs = new RunsService(ctx)
  const datasets = new DatasetsService(ctx)
  const speeds = new ThroughputCache(join(dirname(options.settingsFile), 'throughput.json'), runJob)
  training = new TrainingService(ctx, {
    launch: options.launchTrainer,
    // Measured once per backend and model family; until the probe and the measurement are done, the estimate says so.
    speedBasis: (family) => {
      if (backend.choice === null) {
        // The probe runs (or failed): pending while it runs, the next check measures.
        void probe()
        return { measured: null, measuring: !probeSettled }
      }
      const measured = speeds.lookup(backend.choice, family)
      return { measured, backend: backend.choice, measuring: measured === null && speeds.isMeasuring(backend.choice, family) }
    },
    ...(options.onRunEnded ? { onRunEnded: options.onRunEnded } : {}),
    knownDataSize: (path) => datasets.sizeOf(path)
  })
  const trainingService = training
  const sweeps = new SweepsService(ctx, { checkRecipe: (recipe) => trainingService.validate(recipe) })
  let backend: BackendReport = notProbedReport()
  let probing: Promise<BackendReport> | null = null
  let probeSettled = false
  /** Probes once in a job worker; the answer is also pushed as `backend:report`. */
  const probe = (): Promise<BackendReport> =>
    (probing ??= runJob('probe', {})
      .then((report) => {
        probeSettled = true
        backend = report
        options.emit('backend:report', report)
        return report
      })
      .catch((error: unknown) => {
        probeSettled = true
        backend = notProbedReport(`The backend probe failed: ${error instanceof Error ? error.message : String(error)}`)
        return backend
      }))

  const existingRunDir = (id: string): string => {
    const dir = runDir(workspace.current(), id)
    if (!existsSync(join(dir, 'config.json'))) throw new HostError('not-found', `no run "${id}" in ${workspace.current()}`)
    return dir
  }
  /**
   * The checkpoint a job loads: the one asked for, else the best the run has (best → last →
   * final; a stopped run may have only last). 'final' is passed as its folder, which the
   * engine's loader takes as a path.
   */
  const checkpointOf = (dir: string, requested: string | undefined): string => {
    const choices = requested ? [requested] : ['best', 'last', 'final']
    const found = choices.find((c) => existsSync(join(dir, 'checkpoints', c)))
    if (!found)
      throw new HostError(
        'not-found',
        requested ? `the run has no checkpoints/${requested}` : `the run in ${dir} has no checkpoint yet (best, last or final)`
      )
    return found === 'final' ? join(dir, 'checkpoints', 'final') : found
  }
  /**
   * An export target: inside the run's exports/ folder, or a path a save dialog returned this
   * session. Never elsewhere in the run's folder: an export must not overwrite config.json,
   * run.json or a checkpoint.
   */
  const exportTarget = (dir: string, target: string | undefined, fallback: string): string => {
    const exports = join(dir, 'exports')
    if (target === undefined) return join(exports, fallback)
    const path = expandUserPath(target)
    if (granted.has(path) || (isInside(exports, path) && path !== exports)) return path
    throw new HostError(
      'forbidden',
      `exports go inside the run's exports folder (${exports}) or to a place chosen in a save dialog; "${target}" is neither`
    )
  }
  const rememberGranted = (result: DialogResult): DialogResult => {
    if (result.supported && !result.canceled && result.path) granted.add(resolve(result.path))
    return result
  }
  const rememberOpened = (result: DialogResult): DialogResult => {
    if (result.supported && !result.canceled && result.path) grants.grant(result.path)
    return result
  }

  const handlers: ChannelHandlers = {
    'app:info': () => options.appInfo(),
    // Answers at once: the report when the probe is done, else "not probed yet" (the report follows as an event).
    'backend:probe': async () => {
      const pending = probe()
      const quick = await Promise.race([pending, new Promise<null>((resolve) => setTimeout(() => resolve(null), PROBE_WAIT_MS))])
      return (
        quick ??
        notProbedReport(`The engine is probing its backends (${TRAIN_BACKENDS.join(' → ')}); the answer follows in a moment.`)
      )
    },

    'workspace:get': () => workspace.info(),
    'workspace:open': async ({ path, create }) => {
      await grants.require(
        path,
        create ? 'use (and create if needed) this folder as its workspace' : 'open this folder as its workspace'
      )
      const info = workspace.open(path, create)
      options.emit('workspace:changed', info)
      options.emit('runs:changed', { reason: 'workspace' })
      return info
    },

    'runs:list': () => runs.list(),
    'runs:get': ({ id }) => runs.get(id),
    'runs:rename': ({ id, name }) => runs.rename(id, name),
    'runs:tag': ({ id, add, remove }) => runs.tag(id, add, remove),
    'runs:delete': ({ id }) => runs.delete(id),
    'runs:compare': ({ ids }) => runs.compare(ids),

    'datasets:inspect': async ({ path, decode, taskId }) => {
      await grants.require(path, 'read this dataset')
      return tasks.run(taskId, `Inspecting ${path}`, (task) => datasets.inspect(path, { decode, task }))
    },
    'datasets:list': () => datasets.list(),
    'datasets:add': async ({ path, name, taskId }) => {
      await grants.require(path, 'read this dataset')
      return tasks.run(taskId, `Adding ${path}`, (task) => datasets.add(path, name, task))
    },
    'datasets:remove': ({ id }) => datasets.remove(id),
    // Photos → aligned face crops in the job worker; the aligned folder is then added like any other.
    'datasets:align': async ({ source, target, taskId, addDataset, ...options }) => {
      const from = await grants.require(source, 'read these photos')
      const to = await grants.require(target, 'write the aligned faces into this folder')
      return tasks.run(taskId, `Aligning the faces in ${from}`, async (task) => {
        const result = await runJob('align-faces', { source: from, target: to, settings: await alignSettings(options) }, task)
        if (addDataset === false || result.aligned + result.alreadyDone === 0 || result.status === 'cancelled') return result
        return { ...result, entry: (await datasets.add(to, undefined, task)).entry }
      })
    },

    // Loaded on first use: the catalog and the recipe checks pull in the engine's modules (and tfjs).
    'training:catalog': async () => (await import('./catalog')).trainingCatalog(),
    'training:validate': ({ recipe }) => trainingService.validate(recipe),
    'training:start': async (request) => {
      if (request.kind === 'recipe' && request.recipe.data) {
        await grants.require(request.recipe.data.train, 'train on this dataset')
        if (request.recipe.data.val) await grants.require(request.recipe.data.val, 'validate on these pairs')
        if (request.recipe.data.test) await grants.require(request.recipe.data.test, 'test on these held-out pairs')
      }
      return trainingService.start(request)
    },
    'training:resumeRun': ({ runId, backend: choice }) => trainingService.resumeRun(runId, choice),
    'training:pause': ({ runId }) => trainingService.pause(runId),
    'training:resume': ({ runId }) => trainingService.resume(runId),
    'training:stop': ({ runId }) => trainingService.stop(runId),
    'training:active': () => trainingService.active(),

    'eval:run': async ({ runId, taskId, worst, checkpoint, ...rest }) => {
      const dir = existingRunDir(runId)
      const pairs =
        rest.pairs.kind === 'file'
          ? { kind: 'file' as const, path: await grants.require(rest.pairs.path, 'evaluate on these pairs') }
          : rest.pairs
      const chosen = checkpointOf(dir, checkpoint)
      return tasks.run(taskId, `Evaluating ${runId}`, (task) =>
        runJob('evaluate', { ...rest, pairs, checkpoint: chosen, runDir: dir, worst: worst ?? 8 }, task)
      )
    },
    'eval:embedding': ({ runId, taskId, checkpoint, ...rest }) => {
      const dir = existingRunDir(runId)
      const chosen = checkpointOf(dir, checkpoint)
      return tasks.run(taskId, `Projecting the embedding of ${runId}`, (task) =>
        runJob('embedding', { ...rest, checkpoint: chosen, runDir: dir }, task)
      )
    },
    // A truncated or foreign eval/*.json is skipped and named in a warning; the others still list.
    'eval:list': ({ runId }) => {
      const detail = runs.get(runId)
      const skipped: string[] = []
      const reports = detail.evaluations.flatMap((file) => {
        const path = join(detail.dir, 'eval', file)
        try {
          const parsed = evaluationReportSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
          if (parsed.success) return [parsed.data]
          skipped.push(`${path}: not an evaluation report`)
        } catch (error) {
          skipped.push(`${path}: ${error instanceof Error ? error.message : String(error)}`)
        }
        return []
      })
      if (skipped.length)
        options.emit('notice', {
          level: 'warning',
          message: `skipped ${skipped.length} unreadable evaluation${skipped.length === 1 ? '' : 's'}: ${skipped.join('; ')}`
        })
      return reports
    },

    'export:onnx': ({ runId, checkpoint, target, normalize, taskId }) => {
      const dir = existingRunDir(runId)
      const file = exportTarget(dir, target, 'model.onnx')
      const chosen = checkpointOf(dir, checkpoint)
      return tasks
        .run(taskId, `Exporting ${runId} to ONNX`, (task) =>
          runJob('export-onnx', { runDir: dir, checkpoint: chosen, file, normalize: normalize === true }, task)
        )
        .finally(() => options.emit('runs:changed', { runId, reason: 'exported' }))
    },
    'export:tfjs': ({ runId, checkpoint, target, taskId }) => {
      const dir = existingRunDir(runId)
      const out = exportTarget(dir, target, 'tfjs')
      const chosen = checkpointOf(dir, checkpoint)
      return tasks.run(taskId, `Exporting ${runId} to TF.js`, (task) =>
        runJob('export-tfjs', { runDir: dir, checkpoint: chosen, dir: out }, task)
      )
    },
    'export:embeddings': ({ runId, checkpoint, format, images, target, taskId }) => {
      const dir = existingRunDir(runId)
      const file = exportTarget(dir, target, `embeddings.${format}`)
      if (!file.toLowerCase().endsWith(`.${format}`)) throw new HostError('bad-request', `the file name must end in .${format}`)
      const chosen = checkpointOf(dir, checkpoint)
      return tasks.run(taskId, `Exporting the embeddings of ${runId}`, (task) =>
        runJob('export-embeddings', { runDir: dir, checkpoint: chosen, file, images: images ?? 'validation' }, task)
      )
    },

    'dialog:open': async (request) => rememberOpened(await dialogs.open(request)),
    'dialog:save': async (request) => rememberGranted(await dialogs.save(request)),
    'task:cancel': ({ taskId }) => ({ cancelled: tasks.cancel(taskId) }),

    // Four short trainings in the job worker; the results also land in <workspace>/studies/.
    'study:figure1': ({ taskId, ...options }) =>
      tasks.run(taskId, 'Figure 1 study', (task) =>
        runJob('study-figure1', { ...options, workspace: workspace.current() }, task)
      ),

    'sweeps:plan': (request) => sweeps.plan(request),
    'sweeps:start': async (request) => {
      if (request.base.data) {
        await grants.require(request.base.data.train, 'train on this dataset')
        if (request.base.data.val) await grants.require(request.base.data.val, 'validate on these pairs')
        if (request.base.data.test) await grants.require(request.base.data.test, 'test on these held-out pairs')
      }
      return sweeps.start(request)
    },
    'sweeps:list': () => sweeps.list(),
    'sweeps:status': ({ id }) => sweeps.status(id),
    'sweeps:cancel': ({ id, runs }) => sweeps.cancel(id, runs),
    'sweeps:requeue': ({ id, runs }) => sweeps.requeue(id, runs),
    'sweeps:compare': ({ id }) => sweeps.compare(id)
  }

  return {
    handlers,
    settings,
    workspace,
    training: trainingService,
    tasks,
    async shutdown() {
      tasks.cancelAll()
      trainingService.stopAll()
      await Promise.all([trainingService.settled(), sweeps.stopAll(), pool?.close()])
    }
  }
}
