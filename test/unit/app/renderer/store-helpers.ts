import { createPinia, setActivePinia } from 'pinia'
import { createApp } from 'vue'
import { API_KEY, type Api } from '../../../../src/renderer/src/api'

/** An app with the Api provided and an active Pinia, as main.ts sets it up; stores run inside it. */
export function withApi(api: Api | null): void {
  const app = createApp({})
  app.provide(API_KEY, api)
  const pinia = createPinia()
  app.use(pinia)
  setActivePinia(pinia)
}
