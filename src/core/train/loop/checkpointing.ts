// Writes the run's checkpoints: the one write path every reason goes through (it refuses
// non-finite weights), and the step-end schedule of interval, epoch and end checkpoints.
import type { CheckpointReason } from '../trainer'
import type { TrainConfig } from '../config'
import { TrainingDivergedError } from './divergence'
import { checkpointedNow, type Run, type StepEnd, type StepEndHook } from './state'

/** What a checkpoint records besides the run's state: a validation step's metrics and whether it is the best. */
export interface CheckpointExtras {
  metrics?: Record<string, number>
  isBest?: boolean
}

/**
 * The checkpoint the schedule asks for after step `step`: every `checkpointEverySteps` steps when
 * that is set, else at each epoch's end; and after the run's last step in any case.
 */
export function scheduledCheckpoint(
  config: Pick<TrainConfig, 'checkpointEverySteps'>,
  step: number,
  totalSteps: number,
  epochDone: boolean
): CheckpointReason | undefined {
  const everySteps = config.checkpointEverySteps ?? 0
  const byInterval = everySteps > 0
  if (byInterval && step % everySteps === 0) return 'interval'
  if (!byInterval && epochDone) return 'epoch'
  if (step === totalSteps) return 'end'
  return undefined
}

export class Checkpointer implements StepEndHook {
  /** Writes the current step (nothing without a store); refuses weights that hold NaN or Inf. */
  async write(run: Run, reason: CheckpointReason, extras: CheckpointExtras = {}): Promise<void> {
    const { store, state, replicas } = run
    if (!store) return
    if (!(await replicas.own.weightsFinite()))
      throw new TrainingDivergedError(state.step, 'the weights hold NaN or Inf', state.lastGood)
    const started = performance.now()
    // The store's write flushes a sparse store; the workers' flush at the same step keeps them equal.
    replicas.flushWorkers()
    const dir = await store.write({
      step: state.step,
      position: run.stream.source.position,
      lrScale: state.lrScale,
      backoffs: state.backoffs,
      best: state.best,
      metrics: extras.metrics,
      weights: replicas.own.checkpointWeights(),
      state: replicas.own.trainingState()
    })
    const name = dir.split(/[\\/]/).pop() as string
    if (extras.isBest) store.markBest(name)
    state.lastGood = { name, step: state.step }
    run.emit({
      type: 'checkpoint',
      step: state.step,
      dir,
      reason,
      best: extras.isBest === true,
      seconds: (performance.now() - started) / 1000
    })
  }

  /** The scheduled checkpoint, unless this step has one already (a validation step's). */
  async onStepEnd(run: Run, end: StepEnd): Promise<void> {
    if (checkpointedNow(run.state)) return
    const reason = scheduledCheckpoint(run.config, run.state.step, run.totalSteps, end.epochDone)
    if (reason) await this.write(run, reason)
  }

  /** A stopped run keeps its last step, unless that step is on disk already. */
  async onEnd(run: Run): Promise<void> {
    if (run.state.stopped && !checkpointedNow(run.state)) await this.write(run, 'stop')
  }
}
