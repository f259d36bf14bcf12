import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { AppInfo, BackendReport } from '../../../common/dto'
import type { Unsubscribe } from '../../../common/contract'
import { useApi } from '../api'

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'no-api' | 'error'

/** App-level facts (versions, backend). Talks to the host only through the injected Api. */
export const useAppStore = defineStore('app', () => {
  const api = useApi()

  const info = ref<AppInfo | null>(null)
  const backend = ref<BackendReport | null>(null)
  const status = ref<LoadStatus>(api ? 'idle' : 'no-api')
  const error = ref<string | null>(null)
  const hasApi = computed(() => api !== null)

  let unsubscribe: Unsubscribe | null = null

  async function load(): Promise<void> {
    if (!api) {
      status.value = 'no-api'
      return
    }
    status.value = 'loading'
    error.value = null
    unsubscribe ??= api.on('backend:report', (report) => {
      backend.value = report
    })
    try {
      const [appInfo, report] = await Promise.all([api.invoke['app:info'](), api.invoke['backend:probe']()])
      info.value = appInfo
      backend.value = report
      status.value = 'ready'
    } catch (cause) {
      error.value = cause instanceof Error ? cause.message : String(cause)
      status.value = 'error'
    }
  }

  /** Stops listening to host events. */
  function unlisten(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  return { info, backend, status, error, hasApi, load, unlisten }
})
