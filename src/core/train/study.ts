// The paper's Figure 1 as a built-in study: train a 3-D embedding on the k most populous classes of
// the glyphs labelled by character, with plain Softmax and with D-Softmax, for k = 5 and 10, and
// measure how tight the classes are (mean intra-class angle) and how far apart (minimum inter-class
// angle). D-Softmax pulls each class in independently of the others, so its clusters come out
// tighter than Softmax's; in 3-D a large scale can also pull two classes onto one direction, which
// the collapse warnings report (test/integration/study-figure1.test.ts holds the measured findings).
import type { FontDataset } from '../data/fontDataset'
import { fontImageSet } from '../data/fontTask'
import type { LabelledImageSet } from '../data/imageSets'
import { angleReport, unitRows, type AngleReport } from '../eval/angles'
import { embedImages, type Backbone } from '../models'
import type { BackendChoice } from '../backend'
import { presetConfig } from './presets'
import { trainModel, type TrainEvent } from './trainer'
import { checkpointValues } from './checkpoint'
import type { TrainConfig } from './config'
import { join } from 'node:path'
import { writeJsonAtomic } from '../util/atomicWrite'
import type { Figure1Loss } from '../../common/names'

export { FIGURE1_LOSSES, type Figure1Loss } from '../../common/names'

export interface Figure1Options {
  /** Class counts to compare (default 5 and 10). */
  classCounts?: number[]
  /** Losses to compare (default plain Softmax and D-Softmax). */
  losses?: Figure1Loss[]
  /** Scale s of the normalized losses (default 10: in 3-D a larger s can merge class centres). */
  s?: number
  /** Training steps per run, batch size and base learning rate (default: the preset's). */
  steps?: number
  batchSize?: number
  lr?: number
  seed?: number
  /** Measure the angles on at most this many images per class, the first in font order (default: all). */
  measurePerClass?: number
  /** Minimum inter-class angle, in degrees, below which a run reports class collapse (default 5). */
  collapseDegrees?: number
  /** Training embeddings per class kept, as unit vectors, for drawing the sphere (default 0: none). */
  spherePerClass?: number
  backend?: BackendChoice
}

/** What a run's sphere shows: unit embeddings of training glyphs and the learned class centres. */
export interface Figure1Sphere {
  /** [n × 3] unit vectors, row-major. */
  points: number[]
  /** Class (0…k−1) of each point. */
  labels: number[]
  /** [k × 3] unit class centres (the head's W). */
  centres: number[]
}

export interface Figure1Run {
  loss: Figure1Loss
  /** The loss parameters used (s, d). */
  lossParams: TrainConfig['lossParams']
  classCount: number
  /** The characters trained on, in label order. */
  classes: string[]
  steps: number
  trainSeconds: number
  /** Loss of the last step (batch mean). */
  finalLoss: number
  /** Angles of the training glyphs of these classes (no augmentation, inference batch norm) and of
   *  the learned class centres. */
  train: AngleReport
  /** The embeddings' angles on the held-out test fonts. */
  test: AngleReport
  /** With `spherePerClass`, the points to draw. */
  sphere?: Figure1Sphere
}

export interface Figure1Study {
  study: 'figure1'
  /** How the classes were chosen. */
  classChoice: string
  /** The recipe shared by the runs, shown with D-Softmax (each run records its own loss and lossParams). */
  recipe: TrainConfig
  runs: Figure1Run[]
  /** Every run's collapse warnings, prefixed with the run. */
  warnings: string[]
  seconds: number
}

export type StudyEvent =
  | {
      type: 'run-started'
      index: number
      of: number
      loss: Figure1Loss
      lossParams: TrainConfig['lossParams']
      classCount: number
    }
  | { type: 'train'; index: number; event: TrainEvent }
  | { type: 'run-finished'; index: number; run: Figure1Run }

/**
 * The k classes with the most examples, most populous first; ties go to the lower class index.
 * On the bundled glyphs every character has one image per font, so all counts tie and the choice
 * is the first k characters of the dataset order: '01234' and '0123456789'.
 */
export function mostPopulousClasses(labels: ArrayLike<number>, classes: number, k: number): number[] {
  if (!Number.isInteger(k) || k < 1 || k > classes) throw new Error(`cannot choose ${k} of ${classes} classes`)
  const counts = new Array<number>(classes).fill(0)
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++
  return counts
    .map((count, id) => ({ count, id }))
    .sort((a, b) => b.count - a.count || a.id - b.id)
    .slice(0, k)
    .map((c) => c.id)
}

/** The examples of some classes only, relabelled 0…k−1 in the given order. */
export function classSubset(set: LabelledImageSet, classIds: number[]): LabelledImageSet {
  const relabel = new Map(classIds.map((id, i) => [id, i]))
  if (relabel.size !== classIds.length) throw new Error(`class ids repeat: ${classIds.join(', ')}`)
  const indices: number[] = []
  const labels: number[] = []
  for (let i = 0; i < set.count; i++) {
    const label = relabel.get(set.labels[i])
    if (label === undefined) continue
    indices.push(i)
    labels.push(label)
  }
  return {
    shape: set.shape,
    count: indices.length,
    classes: classIds.length,
    labels: Int32Array.from(labels),
    classNames: classIds.map((id) => set.classNames[id]),
    write: (index, out, offset, options) => set.write(indices[index], out, offset, options)
  }
}

/** The recipe of one run of the study. */
export function figure1Config(
  loss: Figure1Loss,
  options: Pick<Figure1Options, 's' | 'steps' | 'seed' | 'batchSize' | 'lr'> = {}
): TrainConfig {
  const config = presetConfig(loss === 'softmax' ? 'figure1-softmax' : 'figure1-dsoftmax')
  if (loss === 'normface') {
    config.loss = 'normface'
    config.lossParams = { s: config.lossParams.s }
  }
  if (options.s !== undefined && loss !== 'softmax') config.lossParams.s = options.s
  if (options.steps !== undefined) config.steps = options.steps
  if (options.seed !== undefined) config.seed = options.seed
  if (options.batchSize !== undefined) config.batchSize = options.batchSize
  if (options.lr !== undefined) config.optimizer.lr = options.lr
  return config
}

/** Indices of the first `limit` examples of each class, in set order. */
export function firstPerClass(labels: ArrayLike<number>, classes: number, limit = Infinity): Int32Array {
  const taken = new Array<number>(classes).fill(0)
  const indices: number[] = []
  for (let i = 0; i < labels.length; i++) {
    if (taken[labels[i]] < limit) {
      taken[labels[i]]++
      indices.push(i)
    }
  }
  return Int32Array.from(indices)
}

interface Measured {
  report: AngleReport
  embeddings: Float32Array
  labels: Int32Array
}

/** Angles of the embeddings of `set`; with `centres`, of the learned class centres too. */
async function measure(
  backbone: Backbone,
  set: LabelledImageSet,
  options: Figure1Options,
  centres?: Float32Array
): Promise<Measured> {
  const indices = firstPerClass(set.labels, set.classes, options.measurePerClass)
  const embeddings = await embedImages(backbone, set, indices)
  const labels = Int32Array.from(indices, (i) => set.labels[i])
  const report = angleReport(embeddings, backbone.embeddingDim, labels, set.classes, {
    centres,
    classNames: set.classNames,
    collapseDegrees: options.collapseDegrees
  })
  return { report, embeddings, labels }
}

/** The first `perClass` measured embeddings of each class and the centres, as unit vectors. */
export function sphereOf(
  measured: { embeddings: ArrayLike<number>; labels: ArrayLike<number> },
  centres: ArrayLike<number>,
  classes: number,
  perClass: number,
  dim = 3
): Figure1Sphere {
  const keep = firstPerClass(measured.labels, classes, perClass)
  const points = Array.from(unitRows(pick(measured.embeddings, keep, dim), dim))
  return { points, labels: Array.from(keep, (i) => measured.labels[i]), centres: Array.from(unitRows(centres, dim, 'centre')) }
}

function pick(rows: ArrayLike<number>, indices: ArrayLike<number>, dim: number): Float64Array {
  const out = new Float64Array(indices.length * dim)
  for (let r = 0; r < indices.length; r++) for (let j = 0; j < dim; j++) out[r * dim + j] = rows[indices[r] * dim + j]
  return out
}

/** Runs the study: one training per (class count, loss), in that order. */
export async function runFigure1Study(
  dataset: FontDataset,
  options: Figure1Options = {},
  onEvent?: (event: StudyEvent) => void
): Promise<Figure1Study> {
  const started = performance.now()
  const classCounts = options.classCounts ?? [5, 10]
  const losses = options.losses ?? ['softmax', 'dsoftmax']
  const trainAll = fontImageSet(dataset, 'train', 'character')
  const testAll = fontImageSet(dataset, 'test', 'character')
  const plan = classCounts.flatMap((classCount) => losses.map((loss) => ({ classCount, loss })))
  const runs: Figure1Run[] = []
  for (const [index, { classCount, loss }] of plan.entries()) {
    const config = figure1Config(loss, options)
    onEvent?.({ type: 'run-started', index, of: plan.length, loss, lossParams: config.lossParams, classCount })
    const classIds = mostPopulousClasses(trainAll.labels, trainAll.classes, classCount)
    const train = classSubset(trainAll, classIds)
    const test = classSubset(testAll, classIds)
    let finalLoss = NaN
    let trainSeconds = 0
    const model = await trainModel(
      config,
      { train },
      {
        onEvent: (event) => {
          if (event.type === 'step') finalLoss = event.loss
          if (event.type === 'finished') trainSeconds = event.seconds
          onEvent?.({ type: 'train', index, event })
        }
      },
      { backend: options.backend }
    )
    try {
      const centresTensor = model.weights().find((w) => w.name === 'head/centres')
      if (!centresTensor) throw new Error('the trained head has no class centres')
      const centres = await checkpointValues(centresTensor)
      // The centres are the run's, not a data set's: reported (and checked) once, with the training set.
      const onTrain = await measure(model.backbone, train, options, centres)
      const onTest = await measure(model.backbone, test, options)
      const perClass = options.spherePerClass ?? 0
      const run: Figure1Run = {
        loss,
        lossParams: config.lossParams,
        classCount,
        classes: train.classNames,
        steps: model.steps,
        trainSeconds,
        finalLoss,
        train: onTrain.report,
        test: onTest.report,
        ...(perClass > 0 ? { sphere: sphereOf(onTrain, centres, classCount, perClass, model.backbone.embeddingDim) } : {})
      }
      runs.push(run)
      onEvent?.({ type: 'run-finished', index, run })
    } finally {
      model.dispose()
    }
  }
  const recipe = figure1Config('dsoftmax', options)
  const warnings = runs.flatMap((r) => [
    ...r.train.warnings.map((w) => `${runLabel(r)} (train): ${w}`),
    ...r.test.warnings.map((w) => `${runLabel(r)} (test): ${w}`)
  ])
  return {
    study: 'figure1',
    classChoice:
      'the k classes with the most training images, ties broken by dataset order; every character has one glyph per font, ' +
      'so these are the first k characters of the dataset order (0-4 for 5, 0-9 for 10)',
    recipe,
    runs,
    warnings,
    seconds: (performance.now() - started) / 1000
  }
}

export function runLabel(run: Pick<Figure1Run, 'loss' | 'lossParams' | 'classCount'>): string {
  const name: Record<Figure1Loss, string> = { softmax: 'Softmax', normface: 'NormFace', dsoftmax: 'D-Softmax' }
  const s = run.loss === 'softmax' ? '' : ` s=${run.lossParams.s}`
  return `${name[run.loss]}${s}, ${run.classCount} classes`
}

/** Where a study's results go: `<workspace>/studies/figure1-<UTC time>.json`. */
export function figure1ResultFile(workspace: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '').replace('T', '-')
  return join(workspace, 'studies', `figure1-${stamp}.json`)
}

/** Writes the study (atomically) with the backend it ran on; returns the file. */
export function saveFigure1Study(workspace: string, study: Figure1Study, backend: string): string {
  const file = figure1ResultFile(workspace)
  writeJsonAtomic(file, { ...study, backend, createdAt: new Date().toISOString() })
  return file
}
