// The run's progress events: 'started', one 'step' per step with a smoothed images/s and the time
// left, 'epoch' once an epoch's validation and checkpoint are done, and 'finished'.
import { tf } from '../../tf'
import type { Run, StepEnd, StepEndHook } from './state'

/** Weight of the newest step in the smoothed throughput. */
const THROUGHPUT_SMOOTHING = 0.1

export class Progress implements StepEndHook {
  private readonly started = performance.now()
  private imagesPerSecond = 0
  private measuredSteps = 0

  /** `resumedFrom`: the checkpoint a resumed run continues from. */
  constructor(private readonly resumedFrom: string | undefined) {}

  onStart(run: Run): void {
    const { source } = run.stream
    run.emit({
      type: 'started',
      totalSteps: run.totalSteps,
      stepsPerEpoch: run.stepsPerEpoch,
      examples: source.examples,
      classes: source.classes,
      parameters: run.replicas.own.parameterCount,
      macsPerImage: run.replicas.own.backbone.macsPerImage,
      replicas: run.replicas.count,
      startStep: run.state.step,
      ...(this.resumedFrom !== undefined ? { resumedFrom: this.resumedFrom } : {})
    })
  }

  async onStepEnd(run: Run, end: StepEnd): Promise<void> {
    const { batchSize } = run.config
    const step = run.state.step
    this.measure(batchSize / end.seconds)
    const [loss, intra, inter] = end.losses
    run.emit({
      type: 'step',
      step,
      totalSteps: run.totalSteps,
      epoch: end.batchEpoch,
      loss,
      intra,
      inter,
      lr: end.lr,
      weightNorm: await kernelNorm(run),
      stepSeconds: end.seconds,
      imagesPerSecond: this.imagesPerSecond,
      etaSeconds: ((run.totalSteps - step) * batchSize) / this.imagesPerSecond
    })
  }

  /** After the replicas and the stream have closed. */
  finished(run: Run): void {
    run.emit({
      type: 'finished',
      steps: run.state.step,
      seconds: (performance.now() - this.started) / 1000,
      stopped: run.state.stopped
    })
  }

  /** Folds one step's images/s into the smoothed figure (the first step's is taken as it is). */
  private measure(imagesPerSecond: number): void {
    const first = this.measuredSteps === 0
    this.imagesPerSecond = first
      ? imagesPerSecond
      : (1 - THROUGHPUT_SMOOTHING) * this.imagesPerSecond + THROUGHPUT_SMOOTHING * imagesPerSecond
    this.measuredSteps++
  }
}

/**
 * L2 norm of the backbone's decayed weights (its kernels), after the step. Weight decay pulls it
 * down and the gradient pushes it up; behind batch norm the effective step size scales with
 * lr / norm², so a norm that keeps growing or collapsing explains a stalled or unstable run.
 */
async function kernelNorm(run: Run): Promise<number> {
  const kernels = run.replicas.own.backbone.params.filter((p) => p.decay).map((p) => p.variable)
  if (kernels.length === 0) return 0
  const norm = tf.tidy(() => tf.sqrt(kernels.map((k) => tf.sum(tf.square(k))).reduce((a, b) => tf.add(a, b))))
  const [value] = await norm.data()
  norm.dispose()
  return value
}

/** Marks an epoch's end after the hooks before it in the list (its validation and checkpoint) are done. */
export const epochEnd: StepEndHook = {
  onStepEnd(run: Run, end: StepEnd): void {
    if (end.epochDone) run.emit({ type: 'epoch', epoch: end.epoch, step: run.state.step })
  }
}
