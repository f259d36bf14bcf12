// @vitest-environment jsdom
import './dom-shims'
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import App from '../../../../src/renderer/src/App.vue'
import { createFakeApi } from './fake-api'
import { mountView } from './mount'

const key = (init: KeyboardEventInit): void => void window.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, ...init }))

describe('the app shell', () => {
  it('navigates with Alt+number, lists the shortcuts on ?, follows menu commands and shows host notices', async () => {
    const fake = createFakeApi()
    const { wrapper, router } = await mountView(App, fake.api)
    key({ key: '2', code: 'Digit2', altKey: true })
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('datasets')

    key({ key: '?', shiftKey: true })
    await flushPromises()
    const help = wrapper.get('[data-test=shortcuts]').text()
    expect(help).toContain('Go to Evaluation')
    expect(help).toContain('Quick start')
    key({ key: 'Escape' })
    await flushPromises()
    expect(wrapper.find('[data-test=shortcuts]').exists()).toBe(false)

    fake.emit('menu:command', { command: 'new-run' })
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('new-run')

    fake.emit('notice', { level: 'info', message: 'Run 20261129-fonts finished: test AUC 0.94' })
    await flushPromises()
    expect(wrapper.get('[data-test=notice]').text()).toContain('test AUC 0.94')
    wrapper.unmount()
    expect(fake.listenerCount('notice')).toBe(0)
    expect(fake.listenerCount('runs:changed')).toBe(0)
  })
})
