// The run the training loop and its step-end hooks share: the counters a checkpoint carries besides
// the tensors, the replicas, the batch stream, and the hook interface itself.
import type { TrainConfig } from '../config'
import type { BatchSource } from '../../data/batches'
import type { CheckpointMeta, CheckpointStore, LoadedCheckpoint } from '../checkpoint'
import type { LossValues } from '../replica'
import type { TrainEvent } from '../trainer'
import type { ReplicaGroup } from './replicas'

/** A checkpoint the run can go back to. */
export interface CheckpointRef {
  name: string
  step: number
}

export interface RunState {
  /** Steps done. */
  step: number
  /** Learning-rate multiplier from divergence back-offs (1 = none). */
  lrScale: number
  backoffs: number
  best: CheckpointMeta['best']
  /** The newest checkpoint written or restored (its weights were finite). */
  lastGood: CheckpointRef | undefined
  /** The run ended on request before its last step. */
  stopped: boolean
}

export function newRunState(): RunState {
  return { step: 0, lrScale: 1, backoffs: 0, best: undefined, lastGood: undefined, stopped: false }
}

/** Whether the weights of the current step are on disk already (written or restored). */
export function checkpointedNow(state: RunState): boolean {
  return state.lastGood?.step === state.step
}

/** The batch stream, reopened at another position when the run goes back to a checkpoint. */
export class BatchStream {
  constructor(
    private readonly open: (startAt: number) => BatchSource,
    public source: BatchSource
  ) {}

  async seek(position: number): Promise<void> {
    if (this.source.position === position) return
    await this.source.close()
    this.source = this.open(position)
  }
}

/** One training run: what the loop and every hook read, and the state they update. */
export interface Run {
  readonly config: TrainConfig
  readonly state: RunState
  readonly totalSteps: number
  readonly stepsPerEpoch: number
  readonly replicas: ReplicaGroup
  readonly stream: BatchStream
  /** Where checkpoints go; without one the run writes none. */
  readonly store: CheckpointStore | undefined
  readonly emit: (event: TrainEvent) => void
}

/** Continues from `checkpoint`: weights, optimizer state, counters and loader position. */
export async function restoreRun(run: Run, checkpoint: LoadedCheckpoint): Promise<void> {
  const { meta } = checkpoint
  const { state } = run
  run.replicas.load(checkpoint)
  state.step = meta.step
  state.lrScale = meta.lrScale
  state.backoffs = meta.backoffs
  state.best = meta.best
  state.lastGood = { name: checkpoint.name, step: meta.step }
  await run.stream.seek(meta.position)
}

/** A step whose losses were finite, as the hooks see it (the run's step counter already counts it). */
export interface StepEnd {
  losses: LossValues
  lr: number
  /** Wall time of the step, batch assembly included. */
  seconds: number
  /** 1-based epoch of the step's batch. */
  batchEpoch: number
  /** 1-based epoch the run's step count falls in. */
  epoch: number
  /** The step was its epoch's last. */
  epochDone: boolean
}

/** Something the loop calls at fixed points of a run, in the order of the loop's list (as tfjs-layers' callbacks). */
export interface StepEndHook {
  /** After the 'started' event (and a resume's restore), before the first step. */
  onStart?(run: Run): Promise<void> | void
  /** After each step whose losses were finite. */
  onStepEnd?(run: Run, end: StepEnd): Promise<void> | void
  /** When the loop ends, finished or stopped (not when it fails), before the replicas and stream close. */
  onEnd?(run: Run): Promise<void> | void
}
