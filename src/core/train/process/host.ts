// The host side of the trainer process, for any launcher (child_process.fork under Node,
// utilityProcess in Electron): sends commands, checks and relays events, and notices a trainer
// that dies without saying finished or failed — then the run is marked interrupted (resumable)
// and the host itself carries on. Imports no tfjs: Electron's main process uses it.
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { receive } from '../../../common/messages'
import { startCommandSchema, trainerProcessEventSchema, type RunEvent, type TrainerCommand } from '../../../common/trainer'
import { unusedRunId, writeRunRecord } from '../runs'
import type { TrainConfig } from '../config'

/** What a launcher gives the host: one trainer process. */
export interface TrainerChannel {
  readonly pid: number | undefined
  send(command: TrainerCommand): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number | null, signal: string | null) => void): void
  /** The process's own output (stdout/stderr), when the launcher captures it. */
  onOutput?(listener: (text: string) => void): void
  kill(signal?: NodeJS.Signals): void
}

export type TerminalEvent = Extract<RunEvent, { type: 'finished' | 'failed' | 'exited' }>

/**
 * What a host asks for: a new run (its recipe; `runId` when the caller chose one, otherwise the
 * host picks an unused one) or a run to resume. The recipe is checked here against the common
 * recipe schema before it is sent.
 */
export type StartRequest = { config: TrainConfig; runId?: string; backend?: string } | { resumeRun: string; backend?: string }

/** Ids this process has given new runs: two starts in one second must not get the same one before either folder exists. */
const namedHere = new Set<string>()

/**
 * The id a host gives a new run of `config` (its preset and loss, UTC time; see newRunId): not
 * a folder of the workspace, not given before by this process, not `taken` by the caller.
 */
export function newRunIdFor(
  workspace: string,
  config: Pick<TrainConfig, 'preset' | 'loss'>,
  taken: (id: string) => boolean = () => false
): string {
  const id = unusedRunId(workspace, config.preset, config.loss, (candidate) => namedHere.has(candidate) || taken(candidate))
  namedHere.add(id)
  return id
}

export class TrainerHost {
  private readonly listeners = new Set<(event: RunEvent) => void>()
  private id: string | undefined
  private runDir: string | undefined
  private ended = false
  private settle: (event: TerminalEvent) => void = () => {}
  /** Resolves with finished, failed or exited. */
  readonly done: Promise<TerminalEvent>

  constructor(
    private readonly channel: TrainerChannel,
    private readonly workspace: string
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve))
    channel.onMessage((raw) => {
      const received = receive('trainer event', trainerProcessEventSchema, raw)
      if (!received.ok) {
        this.emit({ type: 'warning', message: `the trainer sent a ${received.error}` })
        return
      }
      const message = received.value
      if (message.type === 'started' || message.type === 'finished' || message.type === 'failed') {
        this.id = message.runId ?? this.id
        this.runDir = message.runDir ?? this.runDir
      }
      this.emit(message)
      if (message.type === 'finished' || message.type === 'failed') this.end(message)
    })
    channel.onExit((code, signal) => {
      if (this.ended) return
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`
      let message = `the trainer process ${how} before the run ended`
      const dir = this.runDir ?? (this.id ? join(this.workspace, 'runs', this.id) : undefined)
      const interrupted = dir !== undefined && existsSync(join(dir, 'config.json'))
      if (interrupted) {
        message += `; run ${this.id} is marked interrupted and resumes from its last checkpoint`
        writeRunRecord(dir, { status: 'interrupted', message })
      }
      const event: TerminalEvent = { type: 'exited', code, signal, interrupted, message, ...(this.id ? { runId: this.id } : {}) }
      this.emit(event)
      this.end(event)
    })
  }

  get pid(): number | undefined {
    return this.channel.pid
  }

  /** The run's id: known from start() on (the host names new runs). */
  get runId(): string | undefined {
    return this.id
  }

  on(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Sends the start command. A request the command schema refuses (a malformed recipe, a bad id)
   * ends this trainer at once with a `failed` event saying why, as if the trainer had refused it.
   */
  start(request: StartRequest): void {
    const command =
      'resumeRun' in request
        ? { type: 'start', workspace: this.workspace, ...request }
        : {
            type: 'start',
            workspace: this.workspace,
            ...request,
            runId: request.runId ?? newRunIdFor(this.workspace, request.config)
          }
    const checked = receive('start command', startCommandSchema, command)
    if (!checked.ok) {
      const refused: TerminalEvent = { type: 'failed', message: `the run cannot start: ${checked.error}` }
      this.emit(refused)
      this.end(refused)
      this.channel.kill()
      return
    }
    this.id = 'resumeRun' in checked.value ? checked.value.resumeRun : checked.value.runId
    this.channel.send(checked.value)
  }

  pause(): void {
    this.channel.send({ type: 'pause' })
  }

  resume(): void {
    this.channel.send({ type: 'resume' })
  }

  /** Finish the current step, write a checkpoint, exit. */
  stop(): void {
    if (!this.ended) this.channel.send({ type: 'stop' })
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.channel.kill(signal)
  }

  private end(event: TerminalEvent): void {
    this.ended = true
    this.settle(event)
  }

  private emit(event: RunEvent): void {
    for (const listener of this.listeners) listener(event)
  }
}
