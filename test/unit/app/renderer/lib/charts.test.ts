import type uPlot from 'uplot'
import { describe, expect, it } from 'vitest'
import { histogramOptions, lineChartOptions, rocChartOptions, withAlpha } from '../../../../../src/renderer/src/lib/chartOptions'
import { histogramData, rocData, ROC_GRID } from '../../../../../src/renderer/src/lib/evalData'
import { evaluationReport } from '../contract-fixtures'

describe('chart options', () => {
  it('ROC: log FAR axis from 1e-6 to 1 with decade ticks, one series per run', () => {
    const options = rocChartOptions([{ label: 'a (AUC 0.9)' }, { label: 'b (AUC 0.8)' }])
    const x = options.scales?.x
    expect(x?.distr).toBe(3)
    expect(x?.log).toBe(10)
    const range = x?.range as (u: uPlot, min: number, max: number) => [number, number]
    expect(range({} as uPlot, 0.5, 0.6)).toEqual([1e-6, 1])
    const axis = options.axes?.[0]
    const splits = (axis?.splits as () => number[])()
    expect(splits).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1])
    expect((axis?.values as (u: uPlot, s: number[]) => string[])({} as uPlot, splits)).toEqual([
      '1e-6',
      '1e-5',
      '1e-4',
      '1e-3',
      '1e-2',
      '1e-1',
      '1'
    ])
    expect(options.series.slice(1).map((s) => s.label)).toEqual(['a (AUC 0.9)', 'b (AUC 0.8)'])
  })

  it('ROC data: every run on the shared grid', () => {
    const [grid, a, b] = rocData([evaluationReport(), evaluationReport({ runId: 'b' })])
    expect(grid).toBe(ROC_GRID)
    expect(grid[0]).toBeCloseTo(1e-6, 18)
    expect(grid[grid.length - 1]).toBeCloseTo(1, 12)
    expect(a.length).toBe(grid.length)
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(a[a.length - 1]).toBe(1)
  })

  it('histograms: bin centres and each class as a share of its own pairs', () => {
    const [centres, genuine, impostor] = histogramData(evaluationReport())
    expect(Array.from(centres)).toEqual([-0.75, -0.25, 0.25, 0.75])
    expect(Array.from(genuine)).toEqual([0, 1 / 6, 1 / 6, 4 / 6])
    expect(Array.from(impostor)).toEqual([1 / 6, 2 / 6, 2 / 6, 1 / 6])
  })

  it('the histogram draws the chosen threshold as a vertical line, and nothing without one', () => {
    const drawn: string[] = []
    const ctx = new Proxy(
      {},
      {
        get: (_t, name) =>
          typeof name === 'string' && ['save', 'restore', 'beginPath', 'stroke', 'setLineDash'].includes(name)
            ? () => drawn.push(name)
            : name === 'moveTo' || name === 'lineTo'
              ? (x: number, y: number) => drawn.push(`${String(name)} ${x} ${y}`)
              : undefined,
        set: () => true
      }
    )
    const u = { ctx, bbox: { top: 10, height: 100 }, valToPos: (v: number) => 100 + 50 * v } as unknown as uPlot
    let threshold: number | null = 0.4
    const hook = histogramOptions(() => threshold).hooks?.draw?.[0] as (u: uPlot) => void
    hook(u)
    expect(drawn).toContain('moveTo 120 10')
    expect(drawn).toContain('lineTo 120 110')
    drawn.length = 0
    threshold = null
    hook(u)
    expect(drawn).toEqual([])
  })

  it('line charts put each line on its scale; colours get alpha', () => {
    const options = lineChartOptions(
      'step',
      'loss',
      [
        { label: 'total', colour: 0 },
        { label: 'lr', colour: 3, scale: 'y2' }
      ],
      'lr'
    )
    expect(options.series.map((s) => s.scale ?? 'x')).toEqual(['x', 'y', 'y2'])
    expect(options.axes).toHaveLength(3)
    expect(withAlpha('#2459c9', 0.5)).toBe('rgba(36, 89, 201, 0.5)')
    expect(withAlpha('hsl(1 2% 3%)', 0.5)).toBe('hsl(1 2% 3%)')
  })
})
