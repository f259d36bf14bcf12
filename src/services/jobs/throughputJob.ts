/**
 * Measures this machine's training throughput for one model family on the backend the trainer
 * uses: a few steps of the family's reference model on random pixels (throughput does not
 * depend on them), data-parallel as a run's `replicas: auto` is. The recipe estimate scales
 * the figure by MACs per image.
 */
import { initBackend } from '../../core/backend'
import type { LabelledImageSet } from '../../core/data/imageSets'
import { presetConfig } from '../../core/train/presets'
import { trainModel } from '../../core/train/trainer'
import type { TrainConfig } from '../../core/train/config'
import { createRng } from '../../core/util/rng'
import { median } from '../../core/util/stats'
import { currentMachine } from '../throughput'
import type { JobInputs, JobOutputs, Progress } from './protocol'

/** The model each family is measured with, and how many steps (the first are warm-up). */
const PROBES: Record<
  JobInputs['measure-throughput']['family'],
  { config: Partial<TrainConfig>; classes: number; warmup: number; steps: number }
> = {
  glyph: { config: { backbone: 'glyph-cnn', inputSize: 32, batchSize: 64 }, classes: 1000, warmup: 2, steps: 4 },
  face: { config: { backbone: 'mobilefacenet', inputSize: 112, batchSize: 16 }, classes: 1000, warmup: 1, steps: 2 }
}

function randomImages(shape: [number, number, number], count: number, classes: number): LabelledImageSet {
  const size = shape[0] * shape[1] * shape[2]
  const rng = createRng(11)
  const pixels = Float32Array.from({ length: count * size }, () => rng.next() * 2 - 1)
  return {
    shape,
    count,
    classes,
    labels: Int32Array.from({ length: count }, () => rng.int(classes)),
    classNames: [],
    write: (index, out, offset) => out.set(pixels.subarray(index * size, (index + 1) * size), offset)
  }
}

export async function throughputJob(
  input: JobInputs['measure-throughput'],
  progress: Progress
): Promise<JobOutputs['measure-throughput']> {
  const backend = await initBackend({})
  const probe = PROBES[input.family]
  const config: TrainConfig = {
    ...presetConfig('fonts'),
    ...probe.config,
    embeddingDim: 128,
    augment: { shift: 0, flip: false },
    validateEvery: 0,
    steps: probe.warmup + probe.steps
  }
  const channels = input.family === 'glyph' ? 1 : 3
  const data = randomImages([config.inputSize, config.inputSize, channels], config.batchSize * 2, probe.classes)
  const seconds: number[] = []
  let replicas = 1
  progress(0, `Measuring ${backend.choice} training speed (${config.backbone})`)
  const model = await trainModel(
    config,
    { train: data },
    {
      onEvent: (event) => {
        if (event.type === 'started') replicas = event.replicas
        if (event.type === 'step') {
          if (event.step > probe.warmup) seconds.push(event.stepSeconds)
          progress(event.step / (probe.warmup + probe.steps), `Measuring ${backend.choice} training speed (${config.backbone})`)
        }
      }
    },
    { backend: backend.choice }
  )
  const macsPerImage = model.backbone.macsPerImage
  model.dispose()
  return {
    backend: backend.choice,
    family: input.family,
    model: `${config.backbone} ${config.inputSize}×${config.inputSize}×${channels}, batch ${config.batchSize}`,
    replicas,
    imagesPerSecond: config.batchSize / median(seconds),
    macsPerImage,
    machine: currentMachine(),
    measuredAt: new Date().toISOString()
  }
}
