/** Mounts a view the way main.ts does: Pinia, the app's routes (in memory), the injected Api. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import type { Component } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { API_KEY, type Api } from '../../../../src/renderer/src/api'
import { ROUTES } from '../../../../src/renderer/src/router'

export async function mountView(
  component: Component,
  api: Api | null,
  path = '/'
): Promise<{ wrapper: VueWrapper; router: Router }> {
  const router = createRouter({ history: createMemoryHistory(), routes: ROUTES })
  await router.push(path)
  await router.isReady()
  const wrapper = mount(component, {
    props: router.currentRoute.value.params.runId ? { runId: String(router.currentRoute.value.params.runId) } : {},
    global: { plugins: [createPinia(), router], provide: { [API_KEY]: api }, stubs: { UPlotChart: true } },
    attachTo: document.body
  })
  await flushPromises()
  return { wrapper, router }
}
