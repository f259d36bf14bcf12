// @vitest-environment jsdom
// The Sweeps view over a fake host: the grid typed is what `sweeps:plan` and `sweeps:start`
// receive, the run count and estimate shown are the host's, each run's state has its cancel or
// requeue button, and the comparison shows AUC, TAR at the chosen FAR and 10-fold per run.
import './dom-shims'
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { SweepRequest } from '../../../../src/common/contract'
import SweepsView from '../../../../src/renderer/src/views/SweepsView.vue'
import { sweepPlot } from '../../../../src/renderer/src/lib/sweepCompare'
import { CATALOG } from './contract-fixtures'
import { createFakeApi } from './fake-api'
import { mountView } from './mount'
import { SWEEP_COMPARISON } from './sweepFixtures'

const settle = async (): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, 350))
  await flushPromises()
}

describe('SweepsView', () => {
  it('plans the typed grid, starts it, and cancels, requeues and compares its runs', async () => {
    const fake = createFakeApi()
    const { wrapper } = await mountView(SweepsView, fake.api, '/sweeps')
    const planned = (): SweepRequest => fake.requests.filter((r) => r.channel === 'sweeps:plan').at(-1)?.request as SweepRequest
    expect(planned().base).toEqual(CATALOG.presets.find((p) => p.default)?.recipe)
    expect(planned().plan).toEqual({ mode: 'grid', axes: [{ field: 'lossParams.d', values: [0.7, 0.8, 0.9] }] })
    expect(wrapper.get('[data-test=sweep-count]').text()).toBe('3 runs')
    expect(wrapper.get('[data-test=sweep-estimate]').text()).toBe(
      '≈ 15 min 00 s of training in all, ≈ 5 min 00 s from start to end'
    )

    await wrapper.get('[data-test=sweep-add-axis]').trigger('click')
    const fields = wrapper.findAll('[data-test=sweep-field]')
    await fields[1].setValue('loss')
    await wrapper.findAll('[data-test=sweep-values]')[1].setValue('dsoftmax, normface')
    await wrapper.get('[data-test=sweep-scheduler]').setValue('slurm')
    await settle()
    expect(planned().plan.axes[1]).toEqual({ field: 'loss', values: ['dsoftmax', 'normface'] })
    expect(planned().scheduler).toEqual({ kind: 'slurm', slurm: {} })

    await wrapper.get('[data-test=sweep-start]').trigger('click')
    await flushPromises()
    expect(fake.requests.find((r) => r.channel === 'sweeps:start')?.request).toEqual(planned())
    const rows = wrapper.findAll('[data-test=sweep-run]')
    expect(rows.map((r) => r.get('[data-test=sweep-run-state]').text())).toEqual(['finished', 'running', 'cancelled'])
    // Finished runs offer nothing; a running one can be cancelled; a cancelled one requeued.
    expect(rows[0].find('button').exists()).toBe(false)
    await rows[1].get('[data-test=sweep-cancel]').trigger('click')
    await rows[2].get('[data-test=sweep-requeue]').trigger('click')
    await flushPromises()
    expect(
      fake.requests
        .filter((r) => r.channel === 'sweeps:cancel' || r.channel === 'sweeps:requeue')
        .map((r) => [r.channel, r.request])
    ).toEqual([
      ['sweeps:cancel', { id: SWEEP_COMPARISON.id, runs: ['d-0.8'] }],
      ['sweeps:requeue', { id: SWEEP_COMPARISON.id, runs: ['d-0.9'] }]
    ])

    await wrapper.get('[data-test=sweep-item]').trigger('click')
    await flushPromises()
    const results = wrapper.findAll('[data-test=sweep-result]')
    expect(results.map((r) => r.findAll('td').map((td) => td.text()))).toEqual([
      ['d-0.7', '0.7', '0.9100', '40.00 %', '85.00 % ± 1.00 %'],
      ['d-0.8', '0.8', '0.9300', '45.00 %', '87.00 % ± 1.00 %'],
      ['d-0.9', '0.9', 'not finished']
    ])
    await wrapper.get('[data-test=sweep-far]').setValue('0.01')
    expect(wrapper.findAll('[data-test=sweep-result]')[0].findAll('td')[3].text()).toBe('50.00 %')
    wrapper.unmount()
  })

  it('shows the host-named problems and does not start', async () => {
    const fake = createFakeApi({
      handlers: {
        'sweeps:plan': async () => ({ problems: ['invalid sweep: "lossParams.q": lossParams has no knob "q"'], runs: [] })
      }
    })
    const { wrapper } = await mountView(SweepsView, fake.api, '/sweeps')
    expect(wrapper.get('[data-test=sweep-problems]').text()).toContain('"lossParams.q"')
    expect(wrapper.get('[data-test=sweep-start]').attributes('disabled')).toBeDefined()
    wrapper.unmount()
  })
})

describe('sweepPlot', () => {
  it('puts numeric values at their value, sorted, and text values at labelled positions', () => {
    const reversed = { ...SWEEP_COMPARISON, runs: [...SWEEP_COMPARISON.runs].reverse() }
    expect(sweepPlot(reversed, 'lossParams.d', '0.001')).toEqual({
      x: [0.7, 0.8, 0.9],
      labels: null,
      auc: [0.91, 0.93, null],
      tar: [0.4, 0.45, null],
      tenFold: [0.85, 0.87, null]
    })
    const losses = {
      ...SWEEP_COMPARISON,
      fields: ['loss'],
      runs: SWEEP_COMPARISON.runs.map((r, i) => ({ ...r, values: { loss: ['softmax', 'normface', 'dsoftmax'][i] } }))
    }
    const plot = sweepPlot(losses, 'loss', '0.1')
    expect(plot.x).toEqual([0, 1, 2])
    expect(plot.labels).toEqual(['softmax', 'normface', 'dsoftmax'])
    expect(plot.tar).toEqual([0.6, 0.65, null])
  })
})
