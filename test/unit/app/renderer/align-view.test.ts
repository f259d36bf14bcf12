// @vitest-environment jsdom
// The Datasets view's "Align faces…": the form sends the folders and choices, the result shows
// its counts, the crops and the rejected photos with their reasons, and the datasets reload.
import './dom-shims'
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import DatasetsView from '../../../../src/renderer/src/views/DatasetsView.vue'
import { createFakeApi } from './fake-api'
import { mountView } from './mount'

describe('DatasetsView: Align faces', () => {
  it('sends the photo folder, the aligned folder (by default beside it) and the choices, then shows crops and rejects', async () => {
    const fake = createFakeApi()
    const { wrapper } = await mountView(DatasetsView, fake.api, '/datasets')
    expect(wrapper.find('[data-test=align-form]').exists()).toBe(false)
    await wrapper.get('[data-test=align-open]').trigger('click')
    await wrapper.get('[data-test=align-source]').setValue('/data/photos/')
    expect(wrapper.get('[data-test=align-target]').attributes('placeholder')).toBe('/data/photos-aligned')
    await wrapper.get('[data-test=align-multi-face]').setValue('skip')
    await wrapper.get('[data-test=align-form] form').trigger('submit')
    await flushPromises()
    const request = fake.requests.find((r) => r.channel === 'datasets:align')?.request
    expect(request).toMatchObject({
      source: '/data/photos/',
      target: '/data/photos-aligned',
      size: 112,
      minFaceSize: 40,
      multiFace: 'skip'
    })
    expect(wrapper.get('[data-test=align-aligned]').text()).toBe('2')
    expect(wrapper.get('[data-test=align-rejected]').text()).toBe('2')
    expect(wrapper.findAll('[data-test=align-crops] img')).toHaveLength(2)
    const rejects = wrapper.findAll('[data-test=align-rejects] figure').map((f) => f.text())
    expect(rejects[0]).toContain('no face')
    expect(rejects[1]).toContain('unreadable')
    expect(wrapper.text()).toContain('added to this workspace as “aligned”')
    expect(fake.calls.filter((c) => c === 'invoke:datasets:list').length).toBeGreaterThanOrEqual(2)
    expect(wrapper.find('[data-test=align-form]').exists()).toBe(false)
    wrapper.unmount()
  })
})
