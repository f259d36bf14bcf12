/** The workspace folder and its runs (Home), and Quick start. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RunSummary, TrainingState, Unsubscribe, WorkspaceInfo } from '../../../common/contract'
import { useApi } from '../api'
import { describeError } from '../lib/errors'

export const useWorkspaceStore = defineStore('workspace', () => {
  const api = useApi()
  const workspace = ref<WorkspaceInfo | null>(null)
  const runs = ref<RunSummary[]>([])
  const runProblems = ref<string[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  const starting = ref(false)
  const unsubscribers: Unsubscribe[] = []

  async function refreshRuns(): Promise<void> {
    if (!api) return
    try {
      const list = await api.invoke['runs:list']()
      runs.value = [...list.runs].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      runProblems.value = list.problems
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  async function load(): Promise<void> {
    if (!api) return
    loading.value = true
    error.value = null
    if (unsubscribers.length === 0) {
      unsubscribers.push(
        api.on('runs:changed', () => void refreshRuns()),
        api.on('workspace:changed', (info) => {
          workspace.value = info
          void refreshRuns()
        })
      )
    }
    try {
      workspace.value = await api.invoke['workspace:get']()
      await refreshRuns()
    } catch (cause) {
      error.value = describeError(cause)
    } finally {
      loading.value = false
    }
  }

  async function open(path: string, create = false): Promise<boolean> {
    if (!api) return false
    error.value = null
    try {
      workspace.value = await api.invoke['workspace:open']({ path: path.trim(), create })
      await refreshRuns()
      return true
    } catch (cause) {
      error.value = describeError(cause)
      return false
    }
  }

  /** One click: the default recipe on the bundled dataset. Returns the new run's state. */
  async function quickStart(): Promise<TrainingState | null> {
    if (!api || starting.value) return null
    starting.value = true
    error.value = null
    try {
      const state = await api.invoke['training:start']({ kind: 'quick' })
      await refreshRuns()
      return state
    } catch (cause) {
      error.value = describeError(cause)
      return null
    } finally {
      starting.value = false
    }
  }

  function unlisten(): void {
    while (unsubscribers.length) unsubscribers.pop()?.()
  }

  return { workspace, runs, runProblems, loading, error, starting, load, open, refreshRuns, quickStart, unlisten }
})
