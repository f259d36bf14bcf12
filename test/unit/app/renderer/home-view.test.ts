// @vitest-environment jsdom
import './dom-shims'
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { NOT_PROBED_REPORT } from '../fixtures'
import HomeView from '../../../../src/renderer/src/views/HomeView.vue'
import { createFakeApi } from './fake-api'
import { runSummary, trainingState } from './contract-fixtures'
import { mountView } from './mount'

describe('HomeView', () => {
  it('shows the product, the app version, the chosen backend, the workspace and its runs', async () => {
    const fake = createFakeApi()
    const { wrapper } = await mountView(HomeView, fake.api)
    expect(wrapper.get('[data-test=product]').text()).toBe('D-Softmax Studio')
    expect(wrapper.get('[data-test=version]').text()).toContain('Version 9.8.7-test')
    expect(wrapper.get('[data-test=version]').text()).toContain('Electron 45.3.4')
    expect(wrapper.get('[data-test=backend-choice]').text()).toBe('wasm')
    expect(wrapper.get('[data-test=backend]').text()).toContain('wasm loaded with patched gradients')
    expect(wrapper.get('[data-test=backend-rejected]').text()).toContain('@tensorflow/tfjs-node-gpu: package not installed')
    expect(wrapper.get('[data-test=workspace-path]').text()).toBe('/home/user/dsoftmax')
    const rows = wrapper.findAll('[data-test=run-row]')
    expect(rows).toHaveLength(1)
    expect(rows[0].text()).toContain('fonts d-softmax')
    expect(rows[0].text()).toContain('0.94')
    expect(wrapper.find('[data-test=no-api]').exists()).toBe(false)
    wrapper.unmount()
    // Its own subscription ends with it; the runs list stays subscribed for the app (App.vue owns it).
    expect(fake.listenerCount('backend:report')).toBe(0)
    expect(fake.listenerCount('runs:changed')).toBe(1)
  })

  it('quick start asks the host for the default run and opens its dashboard', async () => {
    const fake = createFakeApi({
      handlers: { 'training:start': () => Promise.resolve(trainingState({ runId: 'quick-7', phase: 'starting' })) }
    })
    const { wrapper, router } = await mountView(HomeView, fake.api)
    await wrapper.get('[data-test=quick-start]').trigger('click')
    await flushPromises()
    expect(fake.requests.find((r) => r.channel === 'training:start')?.request).toEqual({ kind: 'quick' })
    expect(router.currentRoute.value.fullPath).toBe('/training/quick-7')
    wrapper.unmount()
  })

  it('refreshes the runs when the host says they changed, and offers resume for an interrupted run', async () => {
    let runs = [runSummary()]
    const fake = createFakeApi({ handlers: { 'runs:list': () => Promise.resolve({ runs, problems: [] }) } })
    const { wrapper } = await mountView(HomeView, fake.api)
    runs = [
      runSummary({ id: 'run-2', name: 'cut off', status: 'interrupted', resumable: true, message: 'the trainer process died' }),
      ...runs
    ]
    fake.emit('runs:changed', { reason: 'created', runId: 'run-2' })
    await flushPromises()
    const rows = wrapper.findAll('[data-test=run-row]')
    expect(rows).toHaveLength(2)
    const cut = rows.find((r) => r.text().includes('cut off'))
    expect(cut?.text()).toContain('the trainer process died')
    expect(cut?.text()).toContain('Resume…')
    wrapper.unmount()
  })

  it('labels a backend that was not probed as such', async () => {
    const { wrapper } = await mountView(HomeView, createFakeApi({ backend: NOT_PROBED_REPORT }).api)
    const text = wrapper.get('[data-test=backend]').text()
    expect(text).toContain('Not probed yet.')
    expect(text).toContain(NOT_PROBED_REPORT.reason)
    expect(wrapper.find('[data-test=backend-choice]').exists()).toBe(false)
    expect(wrapper.find('[data-test=backend-rejected]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('explains clearly when the host API is missing', async () => {
    const { wrapper } = await mountView(HomeView, null)
    expect(wrapper.get('[data-test=product]').text()).toBe('D-Softmax Studio')
    const notice = wrapper.get('[data-test=no-api]')
    expect(notice.attributes('role')).toBe('alert')
    expect(notice.text()).toContain('window.api')
    expect(wrapper.find('[data-test=version]').exists()).toBe(false)
    expect(wrapper.find('[data-test=backend]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('shows host errors', async () => {
    const { wrapper } = await mountView(HomeView, createFakeApi({ fail: 'ipc: refused "app:info"' }).api)
    expect(wrapper.get('[data-test=error]').text()).toContain('ipc: refused "app:info"')
    wrapper.unmount()
  })
})
