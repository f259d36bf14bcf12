// @vitest-environment jsdom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { describe, expect, it } from 'vitest'
import { NOT_PROBED_REPORT } from '../fixtures'
import { API_KEY, type Api } from '../../../../src/renderer/src/api'
import HomeView from '../../../../src/renderer/src/views/HomeView.vue'
import { createFakeApi } from './fake-api'

async function render(api: Api | null) {
  const wrapper = mount(HomeView, {
    global: { plugins: [createPinia()], provide: { [API_KEY]: api } }
  })
  await flushPromises()
  return wrapper
}

describe('HomeView', () => {
  it('shows the product, the app version and the chosen backend', async () => {
    const fake = createFakeApi()
    const wrapper = await render(fake.api)
    expect(wrapper.get('[data-test=product]').text()).toBe('D-Softmax Studio')
    expect(wrapper.get('[data-test=version]').text()).toContain('Version 9.8.7-test')
    expect(wrapper.get('[data-test=version]').text()).toContain('Electron 45.3.4')
    expect(wrapper.get('[data-test=backend-choice]').text()).toBe('wasm')
    expect(wrapper.get('[data-test=backend]').text()).toContain('wasm loaded with patched gradients')
    expect(wrapper.get('[data-test=backend-rejected]').text()).toContain('@tensorflow/tfjs-node-gpu: package not installed')
    expect(wrapper.find('[data-test=no-api]').exists()).toBe(false)
    wrapper.unmount()
    expect(fake.listenerCount()).toBe(0)
  })

  it('labels a backend that was not probed as such', async () => {
    const wrapper = await render(createFakeApi({ backend: NOT_PROBED_REPORT }).api)
    const text = wrapper.get('[data-test=backend]').text()
    expect(text).toContain('Not probed yet.')
    expect(text).toContain(NOT_PROBED_REPORT.reason)
    expect(wrapper.find('[data-test=backend-choice]').exists()).toBe(false)
    expect(wrapper.find('[data-test=backend-rejected]').exists()).toBe(false)
  })

  it('explains clearly when the host API is missing', async () => {
    const wrapper = await render(null)
    expect(wrapper.get('[data-test=product]').text()).toBe('D-Softmax Studio')
    const notice = wrapper.get('[data-test=no-api]')
    expect(notice.attributes('role')).toBe('alert')
    expect(notice.text()).toContain('window.api')
    expect(wrapper.find('[data-test=version]').exists()).toBe(false)
    expect(wrapper.find('[data-test=backend]').exists()).toBe(false)
  })

  it('shows host errors', async () => {
    const wrapper = await render(createFakeApi({ fail: 'ipc: refused "app:info"' }).api)
    expect(wrapper.get('[data-test=error]').text()).toContain('ipc: refused "app:info"')
  })
})
