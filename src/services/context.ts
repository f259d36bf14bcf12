import type { Emit } from './events'
import type { TaskRegistry } from './tasks'

/** What every service of one host shares. */
export interface ServiceContext {
  /** The open workspace folder (holds runs/ and datasets.json). */
  workspace(): string
  emit: Emit
  tasks: TaskRegistry
  /** True while this host has a trainer running `runId`. */
  isTraining(runId: string): boolean
}
