/**
 * The Figure 1 study as an engine job: the same runFigure1Study as `cli study figure1`, its
 * results saved into the workspace the same way, and turned into what the Study view draws.
 */
import type { Figure1Result, Figure1RunView } from '../../common/contract'
import { initBackend } from '../../core/backend'
import { loadFontDataset } from '../../core/data'
import type { AngleReport } from '../../core/eval/angles'
import { runFigure1Study, runLabel, saveFigure1Study, type Figure1Run } from '../../core/train/study'
import type { JobInputs, Progress } from './protocol'

/** Training embeddings per class drawn on each sphere: enough to show the spread, light to send. */
const SPHERE_PER_CLASS = 60

function anglesOf(report: AngleReport, classes: string[]): Figure1RunView['train'] {
  const name = (pair: [number, number]): [string, string] => [classes[pair[0]], classes[pair[1]]]
  return {
    intraMean: report.intra.mean,
    interMin: report.inter.min,
    closest: name(report.inter.closest),
    centresMin: report.centres ? report.centres.min : null,
    centresClosest: report.centres ? name(report.centres.closest) : null,
    collapsed: report.collapsed,
    warnings: report.warnings
  }
}

function runView(run: Figure1Run): Figure1RunView {
  return {
    label: runLabel(run),
    loss: run.loss,
    s: run.lossParams.s ?? null,
    classCount: run.classCount,
    classes: run.classes,
    steps: run.steps,
    trainSeconds: run.trainSeconds,
    finalLoss: Number.isFinite(run.finalLoss) ? run.finalLoss : null,
    train: anglesOf(run.train, run.classes),
    test: anglesOf(run.test, run.classes),
    points: run.sphere?.points ?? [],
    labels: run.sphere?.labels ?? [],
    centres: run.sphere?.centres ?? []
  }
}

export async function figure1Job(input: JobInputs['study-figure1'], progress: Progress): Promise<Figure1Result> {
  const backend = await initBackend({})
  progress(0, 'Loading the glyphs')
  const dataset = await loadFontDataset()
  let runs = 4
  let current = 0
  let label = ''
  const study = await runFigure1Study(
    dataset,
    {
      spherePerClass: SPHERE_PER_CLASS,
      backend: backend.choice,
      ...(input.steps ? { steps: input.steps } : {}),
      ...(input.measurePerClass ? { measurePerClass: input.measurePerClass } : {})
    },
    (event) => {
      if (event.type === 'run-started') {
        runs = event.of
        current = event.index
        label = runLabel(event)
        progress(current / runs, `Run ${current + 1}/${runs}: ${label}`)
      } else if (event.type === 'train' && event.event.type === 'step') {
        const within = event.event.step / Math.max(1, event.event.totalSteps)
        progress(
          (current + 0.9 * within) / runs,
          `Run ${current + 1}/${runs}: ${label}, step ${event.event.step}/${event.event.totalSteps}`
        )
      } else if (event.type === 'run-finished') {
        progress((current + 1) / runs, `Run ${current + 1}/${runs}: ${label}, measured`)
      }
    }
  )
  const file = saveFigure1Study(input.workspace, study, backend.choice)
  return {
    runs: study.runs.map(runView),
    warnings: study.warnings,
    collapseDegrees: study.runs[0]?.train.collapseDegrees ?? 5,
    backend: backend.choice,
    seconds: study.seconds,
    file
  }
}
