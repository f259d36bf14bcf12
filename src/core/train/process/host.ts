// The host side of the trainer process, for any launcher (child_process.fork under Node,
// utilityProcess in Electron): sends commands, checks and relays events, and notices a trainer
// that dies without saying finished or failed — then the run is marked interrupted (resumable)
// and the host itself carries on. Imports no tfjs: Electron's main process uses it.
import { join } from 'node:path'
import type { HostEvent, StartCommand, TrainerCommand } from '../../../common/trainer'
import { isTrainerEvent } from '../../../common/trainer'
import { existsSync } from 'node:fs'
import { writeRunRecord } from '../runs'

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

export type TerminalEvent = Extract<HostEvent, { type: 'finished' | 'failed' | 'exited' }>

export class TrainerHost {
  private readonly listeners = new Set<(event: HostEvent) => void>()
  private runId: string | undefined
  private runDir: string | undefined
  private ended = false
  /** Resolves with finished, failed or exited. */
  readonly done: Promise<TerminalEvent>

  constructor(
    private readonly channel: TrainerChannel,
    private readonly workspace: string
  ) {
    let settle: (event: TerminalEvent) => void = () => {}
    this.done = new Promise((resolve) => (settle = resolve))
    channel.onMessage((message) => {
      if (!isTrainerEvent(message)) {
        this.emit({ type: 'warning', message: `the trainer sent a malformed message: ${JSON.stringify(message).slice(0, 200)}` })
        return
      }
      if (message.type === 'started' || message.type === 'finished' || message.type === 'failed') {
        this.runId = message.runId ?? this.runId
        this.runDir = message.runDir ?? this.runDir
      }
      this.emit(message)
      if (message.type === 'finished' || message.type === 'failed') {
        this.ended = true
        settle(message)
      }
    })
    channel.onExit((code, signal) => {
      if (this.ended) return
      this.ended = true
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`
      let message = `the trainer process ${how} before the run ended`
      const dir = this.runDir ?? (this.runId ? join(this.workspace, 'runs', this.runId) : undefined)
      const interrupted = dir !== undefined && existsSync(join(dir, 'config.json'))
      if (interrupted) {
        message += `; run ${this.runId} is marked interrupted and resumes from its last checkpoint`
        writeRunRecord(dir, { status: 'interrupted', message })
      }
      const event: TerminalEvent = { type: 'exited', code, signal, interrupted, message, ...(this.runId ? { runId: this.runId } : {}) }
      this.emit(event)
      settle(event)
    })
  }

  get pid(): number | undefined {
    return this.channel.pid
  }

  on(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  start(request: Omit<StartCommand, 'type' | 'workspace'>): void {
    if (request.resumeRun) this.runId = request.resumeRun
    this.channel.send({ type: 'start', workspace: this.workspace, ...request })
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

  private emit(event: HostEvent): void {
    for (const listener of this.listeners) listener(event)
  }
}
