// The loss family: one module per loss over cosine logits, and the head the trainer uses.
export type { LossName, LossParams, LossParts, MarginFallback, MarginGradient, ResolvedLossParams, SampleParts } from './types'
export { LOSS_NAMES, MARGIN_FALLBACKS, MARGIN_GRADIENTS, isLossName } from './types'
export {
  LOSS_KNOBS,
  SPHEREFACE_MAX_M,
  checkedLossParams,
  defaultLossParams,
  resolveLossParams,
  sphereFaceLambda,
  unreadKnobs,
  validateLossParams
} from './params'
export { LOSS_MODULES, lossFromCosines } from './loss'
export type { CosineBatch, LossModule } from './family'
export { arcFaceTargetCosine } from './arcface'
export { sphereFaceTargetCosine } from './sphereface'
export { dsoftmaxParts } from './dsoftmax'
export { sampleClasses, sampleSize, seededRng } from './sampling'
export type { FastLossName, HeadWeights, RowPlan } from './head'
export { createHeadWeights, headLoss, isFastLoss, keepParts, planRows, rowsLoss } from './head'
export type { CentreStorage, CentreStoreConfig, CentreStoreState, RowGradients, StoreCounters } from './centreStore'
export { CENTRE_STORAGES, CentreStore } from './centreStore'
export type { CentreOptimizerConfig, GatheredRows, SparseHeadConfig, StreamedTensor, TrainingHead } from './sparseHead'
export {
  SparseHead,
  createTrainingHead,
  gatherPlannedRows,
  gatheredLoss,
  headTensors,
  mergeRowGradients,
  rowGradients
} from './sparseHead'
