// Periodic validation: which steps measure the validation sets, which set and metric pick the best
// checkpoint, and the validation checkpoint that carries the figures.
import type { PairSet } from '../../data/imageSets'
import { METRIC_DIRECTIONS, type TrainConfig, type ValidationMetric } from '../config'
import { evaluatePairs, type PairEvaluation } from '../evaluate'
import type { Checkpointer } from './checkpointing'
import type { Run, StepEnd, StepEndHook } from './state'

/** The validation sets of a run and the name of the one whose metric picks the best checkpoint. */
export interface ValidationSets {
  sets: PairSet[]
  chosen: string | undefined
}

/** The run's validation sets; refuses two sets of one name and a best set that is not among them. */
export function validationSets(config: Pick<TrainConfig, 'bestSet'>, val: PairSet | PairSet[] | undefined): ValidationSets {
  const sets = val === undefined ? [] : [val].flat()
  const names = sets.map((s) => s.name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined)
    throw new Error(`two validation sets are named "${twice}"; rename one file so each set's metrics can be told apart`)
  if (config.bestSet !== undefined && !names.includes(config.bestSet)) {
    throw new Error(
      `the best checkpoint is to be picked on validation set "${config.bestSet}", but the sets are: ${names.join(', ') || 'none'}`
    )
  }
  return { sets, chosen: config.bestSet ?? names[0] }
}

/**
 * Whether step `step` (ending epoch `epoch`) validates: every `validateEverySteps` steps when that
 * is set, else at the end of every `validateEvery`-th epoch (0 = never).
 */
export function validationDue(
  config: Pick<TrainConfig, 'validateEverySteps' | 'validateEvery'>,
  step: number,
  epoch: number,
  epochDone: boolean
): boolean {
  const everySteps = config.validateEverySteps ?? 0
  if (everySteps > 0) return step % everySteps === 0
  return config.validateEvery > 0 && epochDone && epoch % config.validateEvery === 0
}

export function metricValue(evaluation: PairEvaluation, metric: ValidationMetric): number {
  const r = evaluation.report
  return metric === 'tenFold' ? r.tenFold.mean : r[metric]
}

/** Whether `value` beats the best so far (NaN never does; the first finite value always does). */
export function improves(metric: ValidationMetric, value: number, best: number | undefined): boolean {
  if (!Number.isFinite(value)) return false
  if (best === undefined) return true
  return METRIC_DIRECTIONS[metric] === 'higher' ? value > best : value < best
}

export class Validation implements StepEndHook {
  constructor(
    private readonly validation: ValidationSets,
    private readonly checkpointer: Checkpointer
  ) {}

  /** Measures every set; the chosen one's metric decides best/ (its figures are the unprefixed ones). */
  async onStepEnd(run: Run, end: StepEnd): Promise<void> {
    const { config, state } = run
    if (this.validation.sets.length === 0 || !validationDue(config, state.step, end.epoch, end.epochDone)) return
    const metric = config.bestMetric ?? 'auc'
    const evaluations: PairEvaluation[] = []
    for (const set of this.validation.sets) evaluations.push(await evaluatePairs(run.replicas.own.backbone, set, { flip: false }))
    const chosen = evaluations.find((e) => e.set === this.validation.chosen) as PairEvaluation
    const value = metricValue(chosen, metric)
    const isBest = improves(metric, value, state.best?.value)
    if (isBest) state.best = { metric, value, step: state.step }
    const metrics: Record<string, number> = {}
    for (const evaluation of evaluations) {
      const own = evaluation === chosen
      run.emit({
        type: 'validation',
        step: state.step,
        epoch: end.epoch,
        evaluation,
        metric,
        value: metricValue(evaluation, metric),
        best: own && isBest
      })
      const r = evaluation.report
      const prefix = own ? '' : `${evaluation.set}/`
      Object.assign(metrics, { [`${prefix}auc`]: r.auc, [`${prefix}eer`]: r.eer, [`${prefix}tenFold`]: r.tenFold.mean })
    }
    await this.checkpointer.write(run, 'validation', { metrics, isBest })
  }
}
