// @vitest-environment jsdom
// The Figure 1 view over a fake host: one click asks for the study (with the steps typed), shows
// progress under the task id it sent, then four spheres, the angle table and the collapsed run.
import './dom-shims'
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { Figure1Result } from '../../../../src/common/contract'
import StudyView from '../../../../src/renderer/src/views/StudyView.vue'
import { createFakeApi } from './fake-api'
import { mountView } from './mount'
import { figure1Result } from './studyFixtures'

describe('StudyView', () => {
  it('runs the study with progress and shows four spheres, the table and the collapsed centres', async () => {
    let answer: (value: Figure1Result) => void = () => undefined
    const fake = createFakeApi({ handlers: { 'study:figure1': () => new Promise((resolve) => (answer = resolve)) } })
    const { wrapper } = await mountView(StudyView, fake.api, '/study')
    await wrapper.get('[data-test=study-steps]').setValue('25')
    await wrapper.get('[data-test=study-run]').trigger('submit')
    await flushPromises()
    const request = fake.requests.find((r) => r.channel === 'study:figure1')?.request as { steps: number; taskId: string }
    expect(request.steps).toBe(25)
    fake.emit('task:progress', {
      taskId: request.taskId,
      label: 'Run 2/4: D-Softmax s=10, 5 classes, step 10/25',
      phase: 'running',
      fraction: 0.35
    })
    await flushPromises()
    expect(wrapper.get('[data-test=study-progress]').text()).toContain('Run 2/4: D-Softmax s=10, 5 classes, step 10/25')
    expect(wrapper.get('[data-test=progress]').attributes('aria-valuenow')).toBe('35')
    answer(figure1Result())
    await flushPromises()
    expect(wrapper.find('[data-test=study-progress]').exists()).toBe(false)
    expect(wrapper.findAll('[data-test=study-sphere]')).toHaveLength(4)
    const rows = wrapper.findAll('[data-test=study-table] tbody tr').map((r) => r.findAll('td').map((td) => td.text()))
    expect(rows.map((r) => r[0])).toEqual([
      'Softmax, 5 classes',
      'D-Softmax s=10, 5 classes',
      'Softmax, 10 classes',
      'D-Softmax s=10, 10 classes'
    ])
    expect(rows[1][2]).toBe('8.0° (8.0°)')
    expect(rows[3][6]).toBe('centres 0 & 1 0.0° apart; classes 0 & 1 0.0° apart')
    expect(rows[0][6]).toBe('none')
    expect(wrapper.findAll('[data-test=study-collapsed]')).toHaveLength(1)
    expect(wrapper.get('[data-test=study-warnings]').text()).toContain('learned class centres of 0 and 1')
    wrapper.unmount()
  })

  it('says why the study failed', async () => {
    const fake = createFakeApi({
      handlers: { 'study:figure1': () => Promise.reject(new Error('the engine worker ended (code 1) before answering')) }
    })
    const { wrapper } = await mountView(StudyView, fake.api, '/study')
    await wrapper.get('[data-test=study-run]').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('the engine worker ended (code 1) before answering')
    expect(wrapper.find('[data-test=study-table]').exists()).toBe(false)
    wrapper.unmount()
  })
})
