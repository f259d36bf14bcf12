/**
 * The trainer service of the Electron main process: starts the engine's trainer in Electron's
 * utilityProcess (never on this thread), one TrainerHost per run, and relays its events. The
 * utilityProcess API is passed in, so tests replace it at this boundary (no Electron binary needed).
 */
import type { RunEvent } from '../../common/trainer'
import { TrainerHost, type StartRequest, type TrainerChannel } from '../../core/train/process/host'

/** The part of a forked utility process this service uses (Electron's UtilityProcess). */
export interface UtilityChild {
  readonly pid: number | undefined
  postMessage(message: unknown): void
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  kill(): boolean
}

/** The part of Electron's `utilityProcess` module this service uses. */
export interface UtilityProcessApi {
  fork(
    modulePath: string,
    args?: string[],
    options?: { serviceName?: string; stdio?: 'ignore' | 'inherit' | 'pipe' }
  ): UtilityChild
}

/** A TrainerChannel over a utility process. Electron reports no signal: a kill shows as a non-zero code. */
export function utilityTrainerChannel(utility: UtilityProcessApi, modulePath: string): TrainerChannel {
  const child = utility.fork(modulePath, [], { serviceName: 'D-Softmax Studio trainer', stdio: 'inherit' })
  return {
    get pid() {
      return child.pid
    },
    send: (command) => child.postMessage(command),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code, null)),
    kill: () => void child.kill()
  }
}

export interface TrainerService {
  /** Starts a trainer process for a new run or a resume; returns its host. */
  start(request: StartRequest): TrainerHost
  /** Trainers still running. */
  readonly active: ReadonlySet<TrainerHost>
  /** Events of every trainer this service started. */
  onEvent(listener: (event: RunEvent, host: TrainerHost) => void): () => void
  /** Asks every running trainer to stop (finish the step, checkpoint, exit). */
  stopAll(): void
}

export function createTrainerService(options: {
  utility: UtilityProcessApi
  modulePath: string
  workspace: string
}): TrainerService {
  const active = new Set<TrainerHost>()
  const listeners = new Set<(event: RunEvent, host: TrainerHost) => void>()
  return {
    active,
    start(request) {
      const host = new TrainerHost(utilityTrainerChannel(options.utility, options.modulePath), options.workspace)
      active.add(host)
      host.on((event) => listeners.forEach((l) => l(event, host)))
      void host.done.then(() => active.delete(host))
      host.start(request)
      return host
    },
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    stopAll() {
      active.forEach((host) => host.stop())
    }
  }
}
