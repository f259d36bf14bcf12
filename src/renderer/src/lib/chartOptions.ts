/**
 * uPlot option builders for the app's charts, themed from CSS variables at build time.
 * Kept apart from the components so their shape (axes, log scales) is testable as data.
 */
import uPlot from 'uplot'
import { cssVar, seriesColour } from '../composables/useTheme'

function axis(label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  const text = cssVar('--muted', '#666')
  const grid = cssVar('--grid', 'rgba(0,0,0,0.1)')
  return { label, stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, ...extra }
}

export interface LineSpec {
  label: string
  /** Index into the theme's series colours. */
  colour: number
  /** Which y scale: 'y' (left) or 'y2' (right). */
  scale?: 'y' | 'y2'
}

/** Lines over steps, e.g. total / intra / inter loss. */
export function lineChartOptions(xLabel: string, yLabel: string, lines: readonly LineSpec[], y2Label?: string): uPlot.Options {
  const axes: uPlot.Axis[] = [axis(xLabel), axis(yLabel, { size: 60 })]
  if (y2Label) axes.push(axis(y2Label, { scale: 'y2', side: 1, grid: { show: false }, size: 60 }))
  return {
    width: 400,
    height: 220,
    scales: { x: { time: false }, y: { auto: true }, ...(y2Label ? { y2: { auto: true } } : {}) },
    axes,
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    series: [
      { label: xLabel },
      ...lines.map((line) => ({
        label: line.label,
        stroke: seriesColour(line.colour),
        width: 1.5,
        scale: line.scale ?? 'y',
        spanGaps: true,
        points: { show: false }
      }))
    ]
  }
}

/** ROC: TAR against FAR on a log axis from 1e-6 to 1, one line per run (all on one FAR grid, see rocOnGrid). */
export function rocChartOptions(runs: readonly { label: string }[]): uPlot.Options {
  const logTicks = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]
  return {
    width: 400,
    height: 320,
    scales: { x: { time: false, distr: 3, log: 10, range: () => [1e-6, 1] }, y: { range: () => [0, 1] } },
    axes: [
      axis('FAR (false accept rate, log)', {
        splits: () => logTicks,
        values: (_u, splits) => splits.map((v) => (v === 1 ? '1' : `1e${Math.round(Math.log10(v))}`))
      }),
      axis('TAR (true accept rate)')
    ],
    legend: { live: false },
    series: [{}, ...runs.map((run, i) => ({ label: run.label, stroke: seriesColour(i), width: 2, points: { show: false } }))]
  }
}

/** Genuine vs impostor score histograms (bars) with the chosen threshold as a vertical line. */
export function histogramOptions(threshold: () => number | null): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [1, 100], align: 0 })
  const genuine = seriesColour(0)
  const impostor = seriesColour(1)
  return {
    width: 400,
    height: 240,
    scales: { x: { time: false, range: () => [-1, 1] }, y: { auto: true } },
    axes: [axis('cosine similarity'), axis('share of pairs', { size: 60 })],
    legend: { live: false },
    series: [
      {},
      { label: 'genuine (same identity)', stroke: genuine, fill: withAlpha(genuine, 0.35), paths: bars, points: { show: false } },
      { label: 'impostor (different)', stroke: impostor, fill: withAlpha(impostor, 0.35), paths: bars, points: { show: false } }
    ],
    hooks: {
      draw: [
        (u) => {
          const t = threshold()
          if (t === null) return
          const x = u.valToPos(t, 'x', true)
          const ctx = u.ctx
          ctx.save()
          ctx.strokeStyle = cssVar('--danger', '#c00')
          ctx.lineWidth = 2 * uPlot.pxRatio
          ctx.setLineDash([6 * uPlot.pxRatio, 4 * uPlot.pxRatio])
          ctx.beginPath()
          ctx.moveTo(x, u.bbox.top)
          ctx.lineTo(x, u.bbox.top + u.bbox.height)
          ctx.stroke()
          ctx.restore()
        }
      ]
    }
  }
}

/** `#rrggbb` → rgba with alpha; other colour syntaxes are returned unchanged. */
export function withAlpha(colour: string, alpha: number): string {
  const match = /^#([0-9a-f]{6})$/i.exec(colour.trim())
  if (!match) return colour
  const n = parseInt(match[1], 16)
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`
}
