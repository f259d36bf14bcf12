/**
 * Contract-typed sample answers for the renderer tests. Each is typed with the contract's
 * response type, so a contract change breaks them at compile time, and a test parses them
 * with the contract's own schemas, so they cannot drift from what hosts may send.
 */
import type {
  AlignFacesResult,
  DatasetEntry,
  DatasetReport,
  EmbeddingProjection,
  EvaluationReport,
  OnnxExportResult,
  RecipeCheck,
  RequestMap,
  RunDetail,
  RunList,
  RunSummary,
  TrainingCatalog,
  TrainingState,
  TrainRecipe,
  WorkspaceInfo
} from '../../../../src/common/contract'
import { trainSeries } from '../../../helpers/progress'

export const RECIPE: TrainRecipe = {
  preset: 'fonts',
  dataset: 'fonts',
  backbone: 'glyph-cnn',
  embeddingDim: 128,
  inputSize: 32,
  loss: 'dsoftmax',
  lossParams: { s: 30, d: 0.9 },
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { kind: 'cosine', warmupSteps: 20 },
  batchSize: 128,
  epochs: 1.5,
  augment: { shift: 2, flip: false },
  evalFlip: false,
  replicas: 'auto',
  validateEvery: 1,
  seed: 1
}

export const CATALOG: TrainingCatalog = {
  presets: [
    { name: 'fonts', description: 'D-Softmax on the bundled fonts, about 5 minutes', recipe: RECIPE, default: true },
    {
      name: 'figure1-dsoftmax',
      description: "The paper's Figure 1, 3-D",
      recipe: { ...RECIPE, preset: 'figure1-dsoftmax', embeddingDim: 3, lossParams: { s: 10, d: 0.9 } },
      default: false
    }
  ],
  backbones: [
    { name: 'glyph-cnn', description: 'small CNN for 32×32 glyphs', inputSize: 32, channels: 1, embeddingDim: 128 },
    { name: 'mobilefacenet', description: 'MobileFaceNet for 112×112 faces', inputSize: 112, channels: 3, embeddingDim: 512 }
  ],
  losses: [
    { name: 'softmax', label: 'Softmax', knobs: [] },
    {
      name: 'dsoftmax',
      label: 'D-Softmax',
      knobs: [
        { name: 's', label: 'Scale s', explanation: 'Sharpness of the logits.', unit: 'none', default: 30 },
        {
          name: 'd',
          label: 'Intra-class target d',
          explanation: 'Where the intra-class pull ends.',
          unit: 'cosine',
          default: 0.9
        }
      ]
    },
    {
      name: 'arcface',
      label: 'ArcFace',
      knobs: [
        { name: 's', label: 'Scale s', explanation: 'Sharpness of the logits.', unit: 'none', default: 64 },
        { name: 'm', label: 'Margin m', explanation: 'Angle added to the target angle.', unit: 'radians', default: 0.5 },
        { name: 'marginGradient', label: 'Margin gradient', explanation: 'full or detached', unit: 'none', default: 'full' }
      ]
    }
  ],
  backends: ['wasm', 'cpu']
}

export const RECIPE_CHECK: RecipeCheck = {
  problems: [],
  estimate: {
    parameters: 120_000,
    macsPerImage: 4.5e6,
    examples: 40_000,
    classes: 700,
    stepsPerEpoch: 312,
    totalSteps: 468,
    memoryBytes: 350 * 1024 * 1024,
    gpu: {
      memoryBytes: 120 * 1024 * 1024,
      largestTensorBytes: 2 * 1024 * 1024,
      largestTensor: "the head's logits (128 × 700 classes)"
    },
    secondsPerEpoch: 200,
    basis: 'at 200 img/s measured for wasm on 2 cores'
  }
}

export const WORKSPACE: WorkspaceInfo = {
  path: '/home/user/dsoftmax',
  recent: [{ path: '/home/user/dsoftmax', openedAt: '2026-11-29T01:00:00.000Z' }],
  runs: 1,
  writable: true
}

export function runSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 'run-1',
    name: 'fonts d-softmax',
    tags: [],
    status: 'finished',
    createdAt: '2026-11-29T01:00:00.000Z',
    updatedAt: '2026-11-29T01:05:00.000Z',
    step: 468,
    totalSteps: 468,
    loss: 'dsoftmax',
    backbone: 'glyph-cnn',
    embeddingDim: 128,
    bestValAuc: 0.94,
    testAuc: 0.93,
    testEer: 0.12,
    active: false,
    resumable: false,
    ...overrides
  }
}

export const RUN_LIST: RunList = { runs: [runSummary()], problems: [] }

export function runDetail(overrides: Partial<RunDetail> = {}): RunDetail {
  return {
    summary: runSummary(),
    dir: '/home/user/dsoftmax/runs/run-1',
    config: { ...RECIPE },
    metrics: {
      train: trainSeries([1, 2, 3], [0, 0, 0], {
        loss: [9, 8, null],
        intra: [5, 4, 3],
        inter: [4, 4, 4],
        lr: [0.01, 0.02, 0.03],
        imagesPerSecond: [100, 110, 120]
      }),
      validation: { step: [3], epoch: [0], auc: [0.8], eer: [0.25], tenFold: [0.75] },
      test: null
    },
    checkpoints: [
      { name: 'best', step: 3, best: true },
      { name: 'last', step: 3, best: false },
      { name: 'step-00000003', step: 3, best: true }
    ],
    log: ['run started', 'step 3'],
    exports: [],
    evaluations: [],
    ...overrides
  }
}

export function trainingState(overrides: Partial<TrainingState> = {}): TrainingState {
  return {
    runId: 'run-1',
    runDir: '/home/user/dsoftmax/runs/run-1',
    phase: 'running',
    backend: 'wasm',
    device: 'wasm, 1 thread + 1 worker',
    dataset: { name: 'fonts', examples: 40_000, classes: 700, valPairs: 6000 },
    model: { backbone: 'glyph-cnn', parameters: 120_000, macsPerImage: 4.5e6 },
    step: 3,
    totalSteps: 468,
    stepsPerEpoch: 312,
    epoch: 0.01,
    imagesPerSecond: 120,
    etaSeconds: 400,
    ...overrides
  }
}

const PNG = 'data:image/png;base64,iVBORw0KGgo='

export function datasetReport(overrides: Partial<DatasetReport> = {}): DatasetReport {
  return {
    path: '/data/broken',
    format: 'folder',
    role: 'training',
    identities: 3,
    images: 5,
    imagesPerIdentity: {
      min: 1,
      median: 2,
      max: 2,
      mean: 5 / 3,
      histogram: [
        { bucket: '1', identities: 1 },
        { bucket: '2', identities: 2 }
      ]
    },
    sizes: [{ size: '32×32', images: 5 }],
    problems: {
      unreadable: [{ path: '/data/broken/alice/cut.png', problem: 'truncated PNG: image data ends early' }],
      singleImageIdentities: ['carol'],
      emptyIdentities: [],
      duplicates: [],
      ignored: 1,
      other: []
    },
    problemCount: 2,
    thumbnails: [{ identity: 'alice', dataUrl: PNG }],
    seconds: 0.2,
    ...overrides
  }
}

export function datasetEntry(overrides: Partial<DatasetEntry> = {}): DatasetEntry {
  return {
    id: 'bundled',
    name: 'Bundled font identities',
    path: '',
    format: 'bundled',
    role: 'training',
    identities: 781,
    images: 48_422,
    problemCount: 0,
    bundled: true,
    addedAt: '2026-11-29T01:00:00.000Z',
    ...overrides
  }
}

/** A report whose ROC and histograms are computed from explicit scores (so tests can recount). */
export function evaluationReport(overrides: Partial<EvaluationReport> = {}): EvaluationReport {
  return {
    runId: 'run-1',
    set: 'fonts validation',
    checkpoint: 'best',
    computedAt: '2026-11-29T01:06:00.000Z',
    pairs: { total: 12, genuine: 6, impostor: 6 },
    auc: 0.8333,
    eer: 0.3333,
    eerThreshold: 0.62,
    tarAtFar: [
      { far: 0.1, tar: 0.5, threshold: 0.86, reliable: false },
      { far: 0.001, tar: 0.3333, threshold: 0.9, reliable: false }
    ],
    tenFold: { accuracy: 0.75, std: 0.1, threshold: 0.6 },
    roc: {
      far: [1 / 6, 2 / 6, 3 / 6, 1],
      tar: [2 / 6, 4 / 6, 5 / 6, 1],
      threshold: [0.85, 0.65, 0.5, 0.1]
    },
    histogram: { edges: [-1, -0.5, 0, 0.5, 1], genuine: [0, 1, 1, 4], impostor: [1, 2, 2, 1] },
    threshold: 0.85,
    worstFalseAccepts: [
      { index: 2, score: 0.85, same: false, a: { label: 'arial', dataUrl: PNG }, b: { label: 'helvetica', dataUrl: PNG } }
    ],
    worstFalseRejects: [],
    ...overrides
  }
}

export function embedding(dims: 2 | 3): EmbeddingProjection {
  return dims === 3
    ? {
        runId: 'run-1',
        method: 'sphere',
        dims: 3,
        embeddingDim: 3,
        coords: [1, 0, 0, 0, 1, 0, 0, 0, 1],
        labels: [0, 1, 1],
        identities: ['a', 'b']
      }
    : {
        runId: 'run-1',
        method: 'pca',
        dims: 2,
        embeddingDim: 128,
        coords: [0, 0, 1, 1, 2, 0],
        labels: [0, 1, 1],
        identities: ['a', 'b'],
        explained: [0.6, 0.3]
      }
}

export const ONNX_RESULT: OnnxExportResult = {
  path: '/home/user/dsoftmax/runs/run-1/exports/model.onnx',
  sizeBytes: 480_000,
  validation: {
    ok: true,
    checks: [{ name: 'rank-4 input, dynamic batch', ok: true, detail: 'input [N,3,32,32]' }],
    comparisons: [{ batch: '32 real images', images: 32, maxAbsDiff: 2e-6, minCosine: 0.999999, ok: true }],
    inferenceMsBatch32: 12.5,
    realImages: '32 validation images of the run',
    onnxruntime: '1.23.0',
    summary: 'all checks passed'
  }
}

export const EMBEDDINGS_RESULT: RequestMap['export:embeddings']['response'] = {
  path: '/x/embeddings.npy',
  labelsPath: '/x/labels.txt',
  rows: 100,
  dim: 128
}
export const TFJS_RESULT: RequestMap['export:tfjs']['response'] = {
  path: '/x/tfjs',
  files: ['model.json', 'group1-shard1of1.bin'],
  sizeBytes: 500_000
}

export function alignFacesResult(overrides: Partial<AlignFacesResult> = {}): AlignFacesResult {
  return {
    target: '/data/aligned',
    status: 'complete',
    aligned: 2,
    alreadyDone: 0,
    rejected: [
      { source: 'things/coffee.png', reason: 'no-face', detail: 'no face found', dataUrl: PNG },
      { source: 'things/broken.jpg', reason: 'unreadable', detail: 'VipsJpeg: premature end of input file' }
    ],
    seconds: 3.5,
    workers: 1,
    backend: 'wasm',
    crops: [
      { path: 'astronaut/front.png', dataUrl: PNG },
      { path: 'astronaut/tilted.png', dataUrl: PNG }
    ],
    entry: datasetEntry({
      id: 'ds-aligned',
      name: 'aligned',
      path: '/data/aligned',
      format: 'folder',
      bundled: false,
      identities: 1,
      images: 2
    }),
    ...overrides
  }
}
