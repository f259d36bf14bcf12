/**
 * A sweep's comparison as a plot: the swept field along x against AUC, TAR at one FAR and
 * 10-fold accuracy. Numeric values sit at their value (sorted); text values (loss names) at
 * evenly spaced positions labelled with the text. Runs without results leave gaps.
 */
import type uPlot from 'uplot'
import type { SweepComparison } from '../../../common/contract'
import { lineChartOptions } from './chartOptions'

export interface SweepPlot {
  /** x positions, and the label at each (null: the axis shows the numbers themselves). */
  x: number[]
  labels: string[] | null
  auc: (number | null)[]
  tar: (number | null)[]
  tenFold: (number | null)[]
}

/** The plot along `field`; with several swept fields the other fields' values go into the labels. */
export function sweepPlot(comparison: SweepComparison, field: string, far: string): SweepPlot {
  const numeric = comparison.runs.every((r) => typeof r.values[field] === 'number')
  const single = comparison.fields.length === 1
  const rows = comparison.runs.map((run, i) => ({ run, position: numeric && single ? (run.values[field] as number) : i }))
  rows.sort((a, b) => a.position - b.position)
  return {
    x: rows.map((r) => r.position),
    labels: numeric && single ? null : rows.map((r) => (single ? String(r.run.values[field]) : r.run.name)),
    auc: rows.map((r) => r.run.result?.auc ?? null),
    tar: rows.map((r) => r.run.result?.tarAtFar[far] ?? null),
    tenFold: rows.map((r) => r.run.result?.tenFold ?? null)
  }
}

export function sweepPlotData(plot: SweepPlot): uPlot.AlignedData {
  return [plot.x, plot.auc, plot.tar, plot.tenFold] as uPlot.AlignedData
}

export function sweepPlotOptions(xLabel: string, far: string, labels: string[] | null): uPlot.Options {
  const options = lineChartOptions(xLabel, 'metric', [
    { label: 'AUC', colour: 0 },
    { label: `TAR@FAR=${far}`, colour: 1 },
    { label: '10-fold accuracy', colour: 2 }
  ])
  // A handful of points: each is marked, and text values label their positions.
  options.series = options.series.map((s, i) => (i === 0 ? s : { ...s, points: { show: true, size: 6 } }))
  if (labels && options.axes?.[0]) {
    options.axes[0] = {
      ...options.axes[0],
      splits: () => labels.map((_, i) => i),
      values: (_u, splits) => splits.map((v) => labels[v] ?? '')
    }
  }
  options.scales = { ...options.scales, y: { range: () => [0, 1] } }
  return options
}
