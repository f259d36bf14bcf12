// Verification metrics (ROC, AUC, EER, TAR@FAR, 10-fold accuracy): plain TypeScript over typed arrays, no TensorFlow.js.
export { FAR_LEVELS, farKey, rocCurve, rocCounts, rocAuc, equalErrorRate, tarAtFar, splitByClass } from './roc'
export type { ClassScores, RocCounts } from './roc'
export { verificationReport, LFW_FOLDS } from './verification'
export type { VerificationReport, TenFoldResult } from './verification'
export { cosineScores, pairCosineScores, l2NormalizeRows } from './cosine'
export { ScoresCsvParser, ScoresCsvError } from './scores-csv'
export type { ParsedScores } from './scores-csv'
export {
  angleReport,
  centreCollapseWarning,
  classMeanDirections,
  intraClassAngles,
  interClassAngles,
  unitRows,
  DEFAULT_COLLAPSE_DEGREES
} from './angles'
export type { AngleReport, AngleReportOptions, IntraClassAngles, InterClassAngles } from './angles'
