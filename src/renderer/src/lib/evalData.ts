/** Evaluation reports → chart data (ROC on a shared log-FAR grid, normalized histograms). */
import type { EvaluationReport } from '../../../common/contract'
import { logFarGrid, rocOnGrid } from './threshold'

export const ROC_GRID = logFarGrid(241, 1e-6)

/** [grid, tar of run 1, tar of run 2, …] for uPlot. */
export function rocData(reports: readonly EvaluationReport[]): Float64Array[] {
  return [ROC_GRID, ...reports.map((r) => rocOnGrid({ far: r.roc.far, tar: r.roc.tar }, ROC_GRID))]
}

/** Bin centres and each class's share of its pairs per bin (so both shapes compare at any pair counts). */
export function histogramData(report: EvaluationReport): Float64Array[] {
  const { edges, genuine, impostor } = report.histogram
  const centres = Float64Array.from(genuine, (_, i) => (edges[i] + edges[i + 1]) / 2)
  const share = (counts: number[]): Float64Array => {
    const total = counts.reduce((a, b) => a + b, 0)
    return Float64Array.from(counts, (c) => (total > 0 ? c / total : 0))
  }
  return [centres, share(genuine), share(impostor)]
}
