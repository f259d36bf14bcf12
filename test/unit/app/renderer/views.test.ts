// @vitest-environment jsdom
import './dom-shims'
import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import DatasetsView from '../../../../src/renderer/src/views/DatasetsView.vue'
import NewRunView from '../../../../src/renderer/src/views/NewRunView.vue'
import TrainingView from '../../../../src/renderer/src/views/TrainingView.vue'
import EvaluationView from '../../../../src/renderer/src/views/EvaluationView.vue'
import ExportView from '../../../../src/renderer/src/views/ExportView.vue'
import SphereView from '../../../../src/renderer/src/components/SphereView.vue'
import type { Mat3 } from '../../../../src/renderer/src/lib/sphere'
import { createFakeApi } from './fake-api'
import { embedding, evaluationReport, runSummary, trainingState } from './contract-fixtures'
import { mountView } from './mount'
import { progressPayload } from '../../../helpers/progress'

describe('DatasetsView', () => {
  it('adding a broken dataset shows its counts, histogram, thumbnails and the problems with their paths', async () => {
    const fake = createFakeApi()
    const { wrapper } = await mountView(DatasetsView, fake.api, '/datasets')
    await wrapper.get('[data-test=dataset-path]').setValue('/data/broken')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(fake.requests.find((r) => r.channel === 'datasets:add')?.request).toMatchObject({ path: '/data/broken' })
    expect(wrapper.get('[data-test=report-identities]').text()).toBe('3')
    expect(wrapper.get('[data-test=report-images]').text()).toBe('5')
    expect(wrapper.get('[data-test=histogram]').text()).toContain('2')
    expect(wrapper.findAll('[data-test=thumbnails] img')).toHaveLength(1)
    const problems = wrapper.findAll('[data-test=problem]').map((p) => p.text())
    expect(problems.some((p) => p.includes('/data/broken/alice/cut.png') && p.includes('truncated PNG'))).toBe(true)
    expect(problems.some((p) => p.includes('carol'))).toBe(true)
    wrapper.unmount()
  })

  it('a drop without a readable path asks the user to type it', async () => {
    const { wrapper } = await mountView(DatasetsView, createFakeApi().api, '/datasets')
    const drop = new Event('drop', { bubbles: true, cancelable: true }) as Event & { dataTransfer: unknown }
    drop.dataTransfer = { files: [{ name: 'x' }], getData: () => '' }
    wrapper.get('[data-test=dropzone]').element.dispatchEvent(drop)
    await flushPromises()
    expect(wrapper.text()).toContain('Type or paste its path')
    const dropUri = new Event('drop', { bubbles: true, cancelable: true }) as Event & { dataTransfer: unknown }
    dropUri.dataTransfer = {
      files: [],
      getData: (type: string) => (type === 'text/uri-list' ? 'file:///data/My%20Faces\r\n' : '')
    }
    wrapper.get('[data-test=dropzone]').element.dispatchEvent(dropUri)
    await flushPromises()
    expect(wrapper.get('[data-test=report]').text()).toContain('/data/My Faces')
    wrapper.unmount()
  })
})

describe('NewRunView', () => {
  it('explains every knob in a line, shows margins in degrees and radians, the estimate, and refuses bad values with a reason', async () => {
    vi.useFakeTimers()
    const fake = createFakeApi()
    const { wrapper, router } = await mountView(NewRunView, fake.api, '/new-run')
    await vi.advanceTimersByTimeAsync(400)
    await flushPromises()
    const loss = wrapper.get('[data-test=loss-card]').text()
    expect(loss).toContain('Where the intra-class pull ends.')
    expect(loss).toContain('25.84°') // d = 0.9 → θ = acos 0.9
    expect(wrapper.get('[data-test=estimate-memory]').text()).toBe('≈ 350 MiB')
    expect(wrapper.get('[data-test=estimate-time]').text()).toBe('≈ 3 min 20 s')

    await wrapper.get('[data-test=loss]').setValue('arcface')
    await flushPromises()
    expect(wrapper.get('[data-test=loss-card]').text()).toContain('margin 0.5 rad = 28.65°')

    await wrapper.get('[data-test=knob-m]').setValue('2')
    expect(wrapper.get('[data-test=knob-m-problem]').text()).toContain('[0, π/2)')
    expect(wrapper.get('[data-test=start]').attributes('disabled')).toBeDefined()
    await wrapper.get('[data-test=knob-m]').setValue('0.3')
    await wrapper.get('[data-test=steps]').setValue('5')
    await vi.advanceTimersByTimeAsync(400)
    await flushPromises()
    expect(wrapper.find('[data-test=knob-m-problem]').exists()).toBe(false)
    expect(wrapper.get('[data-test=start]').attributes('disabled')).toBeUndefined()
    vi.useRealTimers()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const start = fake.requests.find((r) => r.channel === 'training:start')?.request as {
      recipe: { lossParams: { m: number }; steps: number }
    }
    expect(start.recipe.lossParams.m).toBe(0.3)
    expect(start.recipe.steps).toBe(5)
    expect(router.currentRoute.value.name).toBe('training')
    wrapper.unmount()
  })
})

describe('TrainingView', () => {
  it('shows progress, ETA, throughput and backend; pause and stop call the host; P pauses from the keyboard', async () => {
    const fake = createFakeApi()
    const { wrapper } = await mountView(TrainingView, fake.api, '/training/run-1')
    expect(wrapper.get('[data-test=run-backend]').text()).toBe('wasm')
    fake.emit('training:event', {
      runId: 'run-1',
      event: {
        type: 'progress',
        ...progressPayload({
          epoch: 0.5,
          step: 234,
          totalSteps: 468,
          loss: 3,
          intra: 1,
          inter: 2,
          lr: 0.05,
          imagesPerSecond: 150.26,
          etaSeconds: 125
        })
      }
    })
    await flushPromises()
    expect(wrapper.get('[data-test=step]').text()).toBe('234 / 468')
    expect(wrapper.get('[data-test=eta]').text()).toBe('2 min 05 s')
    expect(wrapper.get('[data-test=throughput]').text()).toBe('150.3 img/s')
    expect(wrapper.get('[data-test=progress]').attributes('aria-valuenow')).toBe('50')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'p' }))
    await flushPromises()
    expect(fake.requests.some((r) => r.channel === 'training:pause')).toBe(true)
    expect(wrapper.find('[data-test=resume]').exists()).toBe(true)
    await wrapper.get('[data-test=stop]').trigger('click')
    await flushPromises()
    expect(fake.requests.at(-1)).toEqual({ channel: 'training:stop', request: { runId: 'run-1' } })
    wrapper.unmount()
  })

  it('an interrupted run offers resume', async () => {
    const fake = createFakeApi({
      handlers: {
        'training:active': () =>
          Promise.resolve([
            trainingState({ phase: 'interrupted', message: 'The trainer process ended unexpectedly (signal SIGKILL).' })
          ])
      }
    })
    const { wrapper } = await mountView(TrainingView, fake.api, '/training/run-1')
    expect(wrapper.get('[data-test=run-message]').text()).toContain('SIGKILL')
    await wrapper.get('[data-test=resume-run]').trigger('click')
    await flushPromises()
    expect(fake.requests.at(-1)).toEqual({ channel: 'training:resumeRun', request: { runId: 'run-1' } })
    wrapper.unmount()
  })
})

describe('EvaluationView', () => {
  it('shows metrics with unreliable values marked, the threshold for a FAR, worst pairs, and the 2-D embedding', async () => {
    const fake = createFakeApi({
      handlers: {
        'runs:list': () => Promise.resolve({ runs: [runSummary()], problems: [] }),
        'eval:embedding': () => Promise.resolve(embedding(2))
      }
    })
    const { wrapper } = await mountView(EvaluationView, fake.api, '/evaluation/run-1')
    expect(wrapper.text()).toContain('No saved evaluation of this run yet')
    await wrapper.get('[data-test=evaluate]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test=auc]').text()).toBe('0.8333')
    const row = wrapper.get('[data-test=metrics-row]')
    expect(row.findAll('.unreliable')).toHaveLength(2)
    expect(row.text()).toContain('75.00 % ± 10.00 %')
    expect(wrapper.get('[data-test=metrics]').text()).toContain('TAR@1e-3')
    await wrapper.get('[data-test=far-target]').setValue('0.1')
    expect(wrapper.get('[data-test=histogram]').text()).toContain('No threshold reaches that FAR')
    const report = evaluationReport()
    expect(report.roc.far[0]).toBeGreaterThan(0.1)
    await wrapper.get('[data-test=show-embedding]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-test=scatter]').exists()).toBe(true)
    expect(wrapper.find('[data-test=sphere]').exists()).toBe(false)
    expect(wrapper.get('[data-test=embedding]').text()).toContain('60.0 % and 30.0 %')
    expect(wrapper.get('[data-test=worst]').text()).toContain('arial / helvetica')
    wrapper.unmount()
  })
})

describe('ExportView', () => {
  it('exports ONNX and shows the validation report', async () => {
    const fake = createFakeApi()
    const { wrapper } = await mountView(ExportView, fake.api, '/export/run-1')
    await wrapper.get('[data-test=export-onnx]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test=onnx-verdict]').text()).toContain('Validation passed')
    expect(wrapper.findAll('[data-test=onnx-check]')).toHaveLength(1)
    expect(fake.requests.find((r) => r.channel === 'export:onnx')?.request).toMatchObject({ runId: 'run-1', normalize: false })
    wrapper.unmount()
  })
})

describe('SphereView', () => {
  it('dragging rotates the sphere; arrow keys too', async () => {
    const wrapper = mount(SphereView, { props: { points: [[1, 0, 0]], labels: [0] } })
    const exposed = wrapper.vm as unknown as { rotation: Mat3 }
    const before = [...exposed.rotation]
    const canvas = wrapper.get('[data-test=sphere]')
    await canvas.trigger('pointerdown', { clientX: 10, clientY: 10 })
    await canvas.trigger('pointermove', { clientX: 60, clientY: 10 })
    await canvas.trigger('pointerup')
    const afterDrag = [...exposed.rotation]
    expect(afterDrag).not.toEqual(before)
    // Still a rotation: rows stay unit length.
    for (let r = 0; r < 3; r++)
      expect(Math.hypot(afterDrag[3 * r], afterDrag[3 * r + 1], afterDrag[3 * r + 2])).toBeCloseTo(1, 12)
    await canvas.trigger('pointermove', { clientX: 200, clientY: 200 })
    expect([...exposed.rotation]).toEqual(afterDrag) // no drag without a button down
    await canvas.trigger('keydown', { key: 'ArrowLeft' })
    expect([...exposed.rotation]).not.toEqual(afterDrag)
    wrapper.unmount()
  })
})
