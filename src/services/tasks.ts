/**
 * Long actions the renderer can follow and cancel: each has a client-chosen id, reports
 * `task:progress`, and carries an AbortSignal its work checks (or that terminates its worker).
 */
import { HostError } from '../common/contract'
import type { Emit } from './events'

export interface Task {
  readonly id: string
  readonly signal: AbortSignal
  /** fraction in [0, 1], or null when unknown; the label may change as the work moves on. */
  progress(fraction: number | null, label?: string): void
}

let anonymous = 0

export class TaskRegistry {
  private readonly running = new Map<string, AbortController>()

  constructor(private readonly emit: Emit) {}

  /** Runs `work` as a task; the result or error passes through, progress and the end are reported. */
  async run<T>(taskId: string | undefined, label: string, work: (task: Task) => Promise<T>): Promise<T> {
    const id = taskId ?? `host-${++anonymous}`
    if (this.running.has(id)) throw new HostError('conflict', `a task with id "${id}" is already running`)
    const controller = new AbortController()
    this.running.set(id, controller)
    let currentLabel = label
    const report = (phase: 'running' | 'done' | 'failed' | 'cancelled', fraction: number | null, message?: string): void =>
      this.emit('task:progress', { taskId: id, label: currentLabel, phase, fraction, ...(message ? { message } : {}) })
    const task: Task = {
      id,
      signal: controller.signal,
      progress(fraction, newLabel) {
        if (newLabel) currentLabel = newLabel
        report('running', fraction === null ? null : Math.min(1, Math.max(0, fraction)))
      }
    }
    report('running', null)
    try {
      const result = await work(task)
      if (controller.signal.aborted) throw new HostError('cancelled', `${label}: cancelled`)
      report('done', 1)
      return result
    } catch (error) {
      if (controller.signal.aborted) {
        report('cancelled', null, 'cancelled')
        throw new HostError('cancelled', `${label}: cancelled`)
      }
      report('failed', null, error instanceof Error ? error.message : String(error))
      throw error
    } finally {
      this.running.delete(id)
    }
  }

  cancel(taskId: string): boolean {
    const controller = this.running.get(taskId)
    if (!controller) return false
    controller.abort()
    return true
  }

  cancelAll(): void {
    for (const controller of this.running.values()) controller.abort()
  }
}
