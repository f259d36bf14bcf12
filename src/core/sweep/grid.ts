// A sweep's runs from a base recipe and its axes: every combination of the axes' values (grid) or
// the i-th value of every axis together (list). Fields are dotted paths into the recipe
// (`loss`, `lossParams.d`, `optimizer.lr`); each run's recipe is checked with the engine's own
// validation before anything is submitted, so a bad value fails here, named, not on a node.
import { LOSS_KNOBS, LOSS_NAMES, validateLossParams, type LossParams } from '../losses'
import { BACKBONE_NAMES } from '../models/architectures'
import { validateTrainConfig, type TrainConfig } from '../train/config'
import { SweepError } from './errors'

export type SweepValue = number | string | boolean

export interface SweepAxis {
  /** Dotted path into the recipe, e.g. `lossParams.d`. */
  field: string
  values: SweepValue[]
}

/** grid: the cartesian product of the axes; list: the axes zipped (all of one length). */
export const SWEEP_MODES = ['grid', 'list'] as const
export type SweepMode = (typeof SWEEP_MODES)[number]

export interface SweepPlan {
  mode: SweepMode
  axes: SweepAxis[]
}

export interface PlannedRun {
  /** Unique within the sweep and usable in a file name: `d-0.8_s-30`. */
  name: string
  /** The swept fields' values, keyed by field path. */
  values: Record<string, SweepValue>
  recipe: TrainConfig
}

/**
 * Every top-level recipe field, so a sweep can set one the base leaves out (`steps` on an epochs
 * recipe). Typed as a record over TrainConfig's keys: adding a field there without listing it
 * here fails to compile.
 */
const RECIPE_FIELDS: Record<keyof TrainConfig, true> = {
  preset: true,
  dataset: true,
  data: true,
  backbone: true,
  embeddingDim: true,
  inputSize: true,
  loss: true,
  lossParams: true,
  optimizer: true,
  schedule: true,
  batchSize: true,
  epochs: true,
  steps: true,
  augment: true,
  evalFlip: true,
  replicas: true,
  validateEvery: true,
  validateEverySteps: true,
  bestMetric: true,
  bestSet: true,
  checkpointEverySteps: true,
  keepCheckpoints: true,
  softmaxWarmupEpochs: true,
  lambdaAnnealing: true,
  divergence: true,
  centreStorage: true,
  seed: true
}

/** Every knob any loss reads: a sweep over `lossParams.rate` is valid even if the base loss does not read it (the recipe check decides per run). */
const LOSS_PARAM_NAMES = new Set<string>(LOSS_NAMES.flatMap((name) => LOSS_KNOBS[name] as readonly string[]))

/** More runs than this is a typo more often than a plan (and a burst no queue should take at once). */
export const MAX_SWEEP_RUNS = 500

const SEGMENT = /^[A-Za-z][A-Za-z0-9]*$/

export class SweepPlanError extends SweepError {
  override name = 'SweepPlanError'
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Why `field` cannot be swept on `base`, or null. A field must name a value the recipe has or may have. */
export function fieldProblem(base: TrainConfig, field: string): string | null {
  const parts = field.split('.')
  if (!parts.every((p) => SEGMENT.test(p)))
    return `"${field}" is not a dotted field path (letters and digits separated by dots, e.g. lossParams.d)`
  const [top, ...rest] = parts
  if (!Object.hasOwn(RECIPE_FIELDS, top))
    return `"${field}": the recipe has no field "${top}" (fields: ${Object.keys(RECIPE_FIELDS).join(', ')})`
  if (top === 'lossParams') {
    if (rest.length !== 1 || !LOSS_PARAM_NAMES.has(rest[0]))
      return `"${field}": lossParams has no knob "${rest.join('.')}" (knobs: ${[...LOSS_PARAM_NAMES].join(', ')})`
    return null
  }
  let node: unknown = base
  for (const [i, part] of parts.entries()) {
    if (!isObject(node)) return `"${field}": ${parts.slice(0, i).join('.')} is not an object in the base recipe`
    if (!Object.hasOwn(node, part)) {
      // A top-level optional field may be absent from the base; deeper paths must exist.
      if (i === 0 && rest.length === 0) return null
      return `"${field}": the base recipe has no ${parts.slice(0, i + 1).join('.')}`
    }
    node = node[part]
  }
  if (isObject(node) || Array.isArray(node))
    return `"${field}" is a group of settings; sweep one of its fields (e.g. ${field}.${isObject(node) ? Object.keys(node)[0] : '…'})`
  return null
}

function valueProblem(base: TrainConfig, field: string, value: SweepValue): string | null {
  if (!['number', 'string', 'boolean'].includes(typeof value))
    return `"${field}": values must be numbers, text or true/false, got ${JSON.stringify(value)}`
  if (typeof value === 'number' && !Number.isFinite(value)) return `"${field}": ${value} is not a finite number`
  if (field === 'loss' && !(LOSS_NAMES as readonly SweepValue[]).includes(value))
    return `"loss": unknown loss ${JSON.stringify(value)}; choose one of ${LOSS_NAMES.join(', ')}`
  if (field === 'backbone' && !(BACKBONE_NAMES as readonly SweepValue[]).includes(value))
    return `"backbone": unknown backbone ${JSON.stringify(value)}; choose one of ${BACKBONE_NAMES.join(', ')}`
  const current = readPath(base, field)
  // lossParams knobs are numbers except ArcFace's two named choices.
  const expected =
    current !== undefined
      ? typeof current
      : field.startsWith('lossParams.') && !/margin(Gradient|Fallback)$/.test(field)
        ? 'number'
        : undefined
  if (expected !== undefined && typeof value !== expected) return `"${field}" takes a ${expected}, got ${JSON.stringify(value)}`
  return null
}

function readPath(recipe: TrainConfig, field: string): unknown {
  let node: unknown = recipe
  for (const part of field.split('.')) node = isObject(node) && Object.hasOwn(node, part) ? node[part] : undefined
  return node
}

function writePath(recipe: TrainConfig, field: string, value: SweepValue): void {
  const parts = field.split('.')
  let node = recipe as unknown as Record<string, unknown>
  for (const part of parts.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1]] = value
}

/** The plan's own problems (fields, values, lengths), each naming the field; empty when it can be expanded. */
export function planProblems(base: TrainConfig, plan: SweepPlan): string[] {
  const problems: string[] = []
  if (!(SWEEP_MODES as readonly string[]).includes(plan.mode))
    problems.push(`mode must be one of ${SWEEP_MODES.join(', ')}, got "${plan.mode}"`)
  if (plan.axes.length === 0) problems.push('a sweep needs at least one field with values')
  const seen = new Set<string>()
  for (const axis of plan.axes) {
    if (seen.has(axis.field)) problems.push(`"${axis.field}" is swept twice; give it one list of values`)
    seen.add(axis.field)
    const field = fieldProblem(base, axis.field)
    if (field) {
      problems.push(field)
      continue
    }
    if (axis.values.length === 0) problems.push(`"${axis.field}" has no values`)
    for (const value of axis.values) {
      const problem = valueProblem(base, axis.field, value)
      if (problem) problems.push(problem)
    }
    if (new Set(axis.values.map((v) => JSON.stringify(v))).size !== axis.values.length)
      problems.push(`"${axis.field}" lists a value twice: ${axis.values.join(', ')}`)
  }
  if (problems.length === 0 && runCount(plan) > MAX_SWEEP_RUNS)
    problems.push(`the sweep gives ${runCount(plan)} runs; at most ${MAX_SWEEP_RUNS} are accepted at once (split it)`)
  if (plan.mode === 'list' && new Set(plan.axes.map((a) => a.values.length)).size > 1) {
    problems.push(
      `a list sweep pairs the i-th values of every field, so each needs as many values: ${plan.axes.map((a) => `${a.field} has ${a.values.length}`).join(', ')}`
    )
  }
  return problems
}

/** How many runs the plan gives (without building them). */
export function runCount(plan: SweepPlan): number {
  if (plan.axes.length === 0) return 0
  return plan.mode === 'grid' ? plan.axes.reduce((n, a) => n * a.values.length, 1) : plan.axes[0].values.length
}

function combinations(plan: SweepPlan): Record<string, SweepValue>[] {
  if (plan.mode === 'list')
    return plan.axes[0].values.map((_, i) => Object.fromEntries(plan.axes.map((a) => [a.field, a.values[i]])))
  let rows: Record<string, SweepValue>[] = [{}]
  for (const axis of plan.axes) rows = rows.flatMap((row) => axis.values.map((value) => ({ ...row, [axis.field]: value })))
  return rows
}

/** A value as part of a run name: word characters, dots and dashes only. */
const namePart = (value: SweepValue): string =>
  String(value)
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'x'

/** Short labels for the fields: the last path segment, or the whole path where two fields share it. */
function fieldLabels(fields: string[]): Map<string, string> {
  const last = (f: string): string => f.split('.').pop() as string
  return new Map(fields.map((f) => [f, fields.filter((g) => last(g) === last(f)).length > 1 ? f.replace(/\./g, '-') : last(f)]))
}

/** The recipe with one run's values set. A new loss keeps only the knobs it reads (as `train --loss` does). */
function applyValues(base: TrainConfig, values: Record<string, SweepValue>): TrainConfig {
  const recipe = structuredClone(base)
  for (const [field, value] of Object.entries(values)) writePath(recipe, field, value)
  if (recipe.loss !== base.loss) {
    const swept = new Set(
      Object.keys(values)
        .filter((f) => f.startsWith('lossParams.'))
        .map((f) => f.slice('lossParams.'.length))
    )
    const reads = (LOSS_KNOBS[recipe.loss] ?? []) as readonly string[]
    recipe.lossParams = Object.fromEntries(
      Object.entries(recipe.lossParams).filter(([key]) => reads.includes(key) || swept.has(key))
    ) as LossParams
  }
  return recipe
}

/** Expands the plan into named, validated runs; throws SweepPlanError listing every problem, each naming its field or run. */
export function expandSweep(base: TrainConfig, plan: SweepPlan): PlannedRun[] {
  const problems = planProblems(base, plan)
  if (problems.length > 0) throw new SweepPlanError(`invalid sweep: ${problems.join('; ')}`)
  const labels = fieldLabels(plan.axes.map((a) => a.field))
  const runs = combinations(plan).map((values) => ({
    name: Object.entries(values)
      .map(([field, value]) => `${labels.get(field)}-${namePart(value)}`)
      .join('_'),
    values,
    recipe: applyValues(base, values)
  }))
  const runProblems: string[] = []
  const names = new Set<string>()
  for (const run of runs) {
    if (names.has(run.name)) runProblems.push(`two runs would both be named ${run.name}; make the values distinct`)
    names.add(run.name)
    const found = [...validateTrainConfig(run.recipe), ...validateLossParams(run.recipe.loss, run.recipe.lossParams)]
    if (found.length > 0)
      runProblems.push(
        `run ${run.name} (${Object.entries(run.values)
          .map(([f, v]) => `${f} = ${JSON.stringify(v)}`)
          .join(', ')}): ${found.join('; ')}`
      )
  }
  if (runProblems.length > 0) throw new SweepPlanError(`invalid sweep: ${runProblems.join('; ')}`)
  return runs
}
