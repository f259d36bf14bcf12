import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createPinia, setActivePinia } from 'pinia'
import { createApp } from 'vue'
import { describe, expect, it } from 'vitest'
import type { BackendReport } from '../../../../src/common/dto'
import { API_KEY, type Api } from '../../../../src/renderer/src/api'
import { useAppStore } from '../../../../src/renderer/src/stores/app'
import { FAKE_INFO, PROBED_REPORT } from '../fixtures'
import { createFakeApi } from './fake-api'

// Runs in the node environment on purpose: no window, no document, no ipcRenderer.
function storeWith(api: Api | null) {
  const app = createApp({})
  app.provide(API_KEY, api)
  const pinia = createPinia()
  app.use(pinia)
  setActivePinia(pinia)
  return useAppStore()
}

describe('app store', () => {
  it('loads app info and backend through the contract API only', async () => {
    const fake = createFakeApi()
    const store = storeWith(fake.api)
    expect(store.status).toBe('idle')
    await store.load()
    expect(store.status).toBe('ready')
    expect(store.info).toEqual(FAKE_INFO)
    expect(store.backend).toEqual(PROBED_REPORT)
    expect([...fake.calls].sort()).toEqual(['invoke:app:info', 'invoke:backend:probe', 'on:backend:report'])
  })

  it('follows backend:report events, and stops when asked', async () => {
    const fake = createFakeApi()
    const store = storeWith(fake.api)
    await store.load()
    await store.load()
    expect(fake.listenerCount()).toBe(1)
    const cpu: BackendReport = { status: 'probed', choice: 'cpu', reason: 'wasm failed to load', rejected: [] }
    fake.emit('backend:report', cpu)
    expect(store.backend).toEqual(cpu)
    store.unlisten()
    expect(fake.listenerCount()).toBe(0)
    fake.emit('backend:report', PROBED_REPORT)
    expect(store.backend).toEqual(cpu)
  })

  it('says when there is no API instead of failing', async () => {
    const store = storeWith(null)
    expect(store.hasApi).toBe(false)
    expect(store.status).toBe('no-api')
    await store.load()
    expect(store.status).toBe('no-api')
    expect(store.info).toBeNull()
  })

  it('reports host errors', async () => {
    const store = storeWith(createFakeApi({ fail: 'main process unreachable' }).api)
    await store.load()
    expect(store.status).toBe('error')
    expect(store.error).toBe('main process unreachable')
  })

  it('its source reaches the host through the injected Api only', () => {
    const source = readFileSync(fileURLToPath(new URL('../../../../src/renderer/src/stores/app.ts', import.meta.url)), 'utf8')
    for (const forbidden of ['window', 'ipcRenderer', 'electron', 'fetch(', 'require(', 'process.', 'globalThis']) {
      expect(source, `stores/app.ts must not use ${forbidden}`).not.toContain(forbidden)
    }
  })
})
