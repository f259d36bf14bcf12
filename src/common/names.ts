/**
 * The names a training recipe chooses from, written once for every process: the recipe schema
 * (schemas/recipe.ts) builds its enums from these lists, the engine keys its registries by them
 * (a test checks each registry against its list), and the CLI and the catalog list them as they
 * are. The order is the order listings show them in.
 */

/** Backbones; the engine builds each one (core/models/architectures.ts). */
export const BACKBONE_NAMES = [
  'glyph-cnn',
  'glyph-cnn-linear',
  'face-resnet',
  'reference-net',
  'mobilefacenet',
  'ir-18',
  'ir-34',
  'ir-50'
] as const
export type BackboneName = (typeof BACKBONE_NAMES)[number]

/** Every loss the product trains with. */
export const LOSS_NAMES = [
  'softmax',
  'normface',
  'sphereface',
  'cosface',
  'arcface',
  'dsoftmax',
  'dsoftmax-b',
  'dsoftmax-k'
] as const
export type LossName = (typeof LOSS_NAMES)[number]

/** The losses the Figure 1 study compares (plain Softmax, its normalised form, D-Softmax). */
export const FIGURE1_LOSSES = ['softmax', 'normface', 'dsoftmax'] as const satisfies readonly LossName[]
export type Figure1Loss = (typeof FIGURE1_LOSSES)[number]

/** ArcFace: differentiate through cos(θ + m) ('full') or add the margin as a constant ('detached'). */
export const MARGIN_GRADIENTS = ['full', 'detached'] as const
export type MarginGradient = (typeof MARGIN_GRADIENTS)[number]

/** ArcFace's target where cos(θ + m) is not used: ours, insightface's, or easy margin. */
export const MARGIN_FALLBACKS = ['continuous', 'insightface', 'easy'] as const
export type MarginFallback = (typeof MARGIN_FALLBACKS)[number]

/** SGD (momentum), Adam (L2 decay in the gradient), AdamW (decoupled decay). */
export const OPTIMIZER_KINDS = ['sgd', 'adam', 'adamw'] as const
export type OptimizerKind = (typeof OPTIMIZER_KINDS)[number]

export const SCHEDULE_KINDS = ['constant', 'cosine', 'step', 'polynomial'] as const
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number]

/** Metrics a run can keep its best checkpoint by. */
export const VALIDATION_METRICS = ['auc', 'tenFold', 'eer'] as const
export type ValidationMetric = (typeof VALIDATION_METRICS)[number]

/** How D-Softmax-B/-K's sparse store holds centres and momentum (the arithmetic stays float32). */
export const CENTRE_STORAGES = ['float32', 'float16'] as const
export type CentreStorage = (typeof CENTRE_STORAGES)[number]

/**
 * Backends a run may be forced onto (the trainer's names), in the order automatic selection tries
 * them; absent = the fastest that works.
 */
export const TRAIN_BACKENDS = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'] as const
export type TrainBackend = (typeof TRAIN_BACKENDS)[number]

/** Whether `value` is one of `names` (narrows an unchecked string to the list's type). */
export function isOneOf<const Names extends readonly string[]>(names: Names, value: unknown): value is Names[number] {
  return typeof value === 'string' && (names as readonly string[]).includes(value)
}
