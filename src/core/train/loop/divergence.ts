// What a run does when a step's loss is NaN or Inf: back off to an earlier checkpoint with a
// smaller learning rate when the recipe allows it, else stop with the last good checkpoint named.
import { stepOfName } from '../checkpoint'
import type { Checkpointer } from './checkpointing'
import { restoreRun, type CheckpointRef, type Run, type StepEndHook } from './state'

export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    what: string,
    /** The checkpoint the run stopped at (the last one whose weights were finite), if any. */
    readonly lastGood?: CheckpointRef
  ) {
    const where = lastGood
      ? `Stopped; the last good checkpoint is ${lastGood.name} (step ${lastGood.step}), resume continues from it.`
      : 'Stopped; no checkpoint had been written yet.'
    super(
      `training diverged at step ${step}: ${what}. ${where} What usually helps: a lower learning rate, ` +
        'a smaller scale s, gradient clipping, or a few epochs of plain Softmax first.'
    )
    this.name = 'TrainingDivergedError'
  }
}

/**
 * The checkpoint to go back to after a failure at `atStep`: the newest of `stepNames` (newest
 * first) from before it. Failing again right after the checkpoint the last back-off went to means
 * that checkpoint was already on its way out (finite but huge weights): then go one further back.
 */
export function backoffTarget(stepNames: readonly string[], atStep: number, lastRestore: number | undefined): string | undefined {
  const failedRightAfterRestore = lastRestore !== undefined && atStep <= lastRestore + 1
  const before = failedRightAfterRestore ? lastRestore : atStep
  return stepNames.find((name) => stepOfName(name) < before)
}

export class DivergenceBackoff implements StepEndHook {
  /** The step of the checkpoint the last back-off went to. */
  private lastRestore: number | undefined

  constructor(private readonly checkpointer: Checkpointer) {}

  /** Back-off needs somewhere to go back to. */
  async onStart(run: Run): Promise<void> {
    if (run.config.divergence && run.store && !run.state.lastGood) await this.checkpointer.write(run, 'initial')
  }

  /** NaN/Inf at `atStep`: continue from a checkpoint before it with a smaller rate, or throw TrainingDivergedError. */
  async recover(run: Run, atStep: number, what: string): Promise<void> {
    const { config, store, state } = run
    const policy = config.divergence
    if (!policy || !store || state.backoffs >= policy.maxBackoffs) throw new TrainingDivergedError(atStep, what, state.lastGood)
    const name = backoffTarget(store.stepNames(), atStep, this.lastRestore)
    if (!name) throw new TrainingDivergedError(atStep, what, state.lastGood)
    const checkpoint = store.load(name)
    // The back-off outlives the restore (the checkpoint holds the scale from before it).
    const backoffs = state.backoffs + 1
    const lrScale = state.lrScale * policy.lrBackoff
    await restoreRun(run, checkpoint)
    state.backoffs = backoffs
    state.lrScale = lrScale
    this.lastRestore = checkpoint.meta.step
    run.emit({
      type: 'warning',
      step: atStep,
      message: `${what} at step ${atStep}; went back to ${checkpoint.name} (step ${checkpoint.meta.step}) and multiplied the learning rate by ${policy.lrBackoff} (back-off ${backoffs} of ${policy.maxBackoffs})`
    })
  }
}
