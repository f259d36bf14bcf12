/**
 * The message protocol between a host (Electron main, the CLI, the web host, tests) and the
 * trainer process. One protocol for both launchers: Electron's utilityProcess and Node's
 * child_process.fork. Plain JSON objects; every message has a guard, and both ends check what
 * they receive.
 *
 * Commands (host → trainer): start, pause, resume, stop.
 * Events (trainer → host): ready, started, progress, validation, epoch-end, checkpoint, paused,
 * resumed, warning, finished, failed. The host adds `exited` when the process ends without
 * `finished` or `failed` (crash, out of memory, killed).
 *
 * The recipe travels as a plain object: its shape is the engine's TrainConfig, checked by the
 * trainer (src/common does not import the engine).
 */
import { isRecord, type Guard } from './dto'

export interface StartCommand {
  type: 'start'
  /** Folder holding runs/. */
  workspace: string
  /** The recipe for a new run (TrainConfig); absent when resuming. */
  config?: Record<string, unknown>
  /** Id of a run in the workspace to continue from its last good checkpoint. */
  resumeRun?: string
  /** Force a backend (node-gpu, node, wasm, cpu); default the fastest that works. */
  backend?: string
}

export type TrainerCommand = StartCommand | { type: 'pause' } | { type: 'resume' } | { type: 'stop' }

export interface ValidationSummary {
  set: string
  auc: number
  eer: number
  tenFold: number
  /** The metric that picks the best checkpoint, its value, and whether this is the best so far. */
  metric: string
  value: number
  best: boolean
}

export interface StartedEvent {
  type: 'started'
  runId: string
  runDir: string
  backend: { choice: string; description: string }
  /** Where it computes, in words (e.g. "wasm, 1 thread + 1 data-parallel worker thread"). */
  device: string
  dataset: { name: string; examples: number; classes: number; valPairs: number }
  model: { backbone: string; parameters: number; macsPerImage: number }
  replicas: number
  totalSteps: number
  stepsPerEpoch: number
  /** Steps already done: 0, or the checkpoint's step when resuming. */
  startStep: number
  resumedFrom?: string
}

export interface ProgressEvent {
  type: 'progress'
  epoch: number
  step: number
  totalSteps: number
  loss: number
  intra: number
  inter: number
  lr: number
  imagesPerSecond: number
  etaSeconds: number
}

export type TrainerEvent =
  | { type: 'ready'; pid: number }
  | StartedEvent
  | ProgressEvent
  | { type: 'validation'; step: number; epoch: number; validation: ValidationSummary }
  | { type: 'epoch-end'; epoch: number; step: number; validation?: ValidationSummary }
  | { type: 'checkpoint'; step: number; dir: string; reason: string; best: boolean; seconds: number }
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | { type: 'warning'; message: string; step?: number }
  | {
      type: 'finished'
      runId: string
      runDir: string
      steps: number
      seconds: number
      stopped: boolean
      /** The held-out test pairs on the final weights (eval/test-<set>.json). */
      test?: { set: string; auc: number; eer: number; tenFold: number }
      /** Without test pairs: the final weights on the validation pairs (eval/validation-<set>.json), not a test. */
      finalValidation?: { set: string; auc: number; eer: number; tenFold: number }
    }
  | { type: 'failed'; message: string; step?: number; runId?: string; runDir?: string }

/** Host-side only: the trainer process ended without saying finished or failed. */
export interface ExitedEvent {
  type: 'exited'
  code: number | null
  signal: string | null
  /** True when the run was cut off; it is marked interrupted and can be resumed. */
  interrupted: boolean
  runId?: string
  message: string
}

export type HostEvent = TrainerEvent | ExitedEvent

const isString = (v: unknown): v is string => typeof v === 'string'
const isNumber = (v: unknown): v is number => typeof v === 'number'
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean'
type Check = (value: unknown) => boolean
const optional = (check: Check): Check => (v) => v === undefined || check(v)

function fields(value: unknown, shape: Record<string, Check>): boolean {
  return isRecord(value) && Object.entries(shape).every(([key, guard]) => guard(value[key]))
}

const isValidation: Guard<ValidationSummary> = (v): v is ValidationSummary =>
  fields(v, { set: isString, auc: isNumber, eer: isNumber, tenFold: isNumber, metric: isString, value: isNumber, best: isBoolean })

export const isTrainerCommand: Guard<TrainerCommand> = (v): v is TrainerCommand => {
  if (!isRecord(v)) return false
  switch (v.type) {
    case 'start':
      return fields(v, { workspace: isString, config: optional(isRecord), resumeRun: optional(isString), backend: optional(isString) }) && (v.config !== undefined) !== (v.resumeRun !== undefined)
    case 'pause':
    case 'resume':
    case 'stop':
      return true
    default:
      return false
  }
}

const EVENT_SHAPES: Record<TrainerEvent['type'], Record<string, Check>> = {
  ready: { pid: isNumber },
  started: {
    runId: isString,
    runDir: isString,
    backend: (b) => fields(b, { choice: isString, description: isString }),
    device: isString,
    dataset: (d) => fields(d, { name: isString, examples: isNumber, classes: isNumber, valPairs: isNumber }),
    model: (m) => fields(m, { backbone: isString, parameters: isNumber, macsPerImage: isNumber }),
    replicas: isNumber,
    totalSteps: isNumber,
    stepsPerEpoch: isNumber,
    startStep: isNumber,
    resumedFrom: optional(isString)
  },
  progress: { epoch: isNumber, step: isNumber, totalSteps: isNumber, loss: isNumber, intra: isNumber, inter: isNumber, lr: isNumber, imagesPerSecond: isNumber, etaSeconds: isNumber },
  validation: { step: isNumber, epoch: isNumber, validation: isValidation },
  'epoch-end': { epoch: isNumber, step: isNumber, validation: optional(isValidation) },
  checkpoint: { step: isNumber, dir: isString, reason: isString, best: isBoolean, seconds: isNumber },
  paused: { step: isNumber },
  resumed: { step: isNumber },
  warning: { message: isString, step: optional(isNumber) },
  finished: {
    runId: isString,
    runDir: isString,
    steps: isNumber,
    seconds: isNumber,
    stopped: isBoolean,
    test: optional((t) => fields(t, { set: isString, auc: isNumber, eer: isNumber, tenFold: isNumber })),
    finalValidation: optional((t) => fields(t, { set: isString, auc: isNumber, eer: isNumber, tenFold: isNumber }))
  },
  failed: { message: isString, step: optional(isNumber), runId: optional(isString), runDir: optional(isString) }
}

export const isTrainerEvent: Guard<TrainerEvent> = (v): v is TrainerEvent =>
  isRecord(v) && isString(v.type) && Object.hasOwn(EVENT_SHAPES, v.type) && fields(v, EVENT_SHAPES[v.type as TrainerEvent['type']])
