/** Datasets of the workspace, and the inspection report of the one being looked at. */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { AlignFacesResult, DatasetEntry, DatasetReport, RequestOf, Unsubscribe } from '../../../common/contract'
import { useApi } from '../api'
import { describeError } from '../lib/errors'
import { useTasksStore } from './tasks'

export const useDatasetsStore = defineStore('datasets', () => {
  const api = useApi()
  const tasks = useTasksStore()
  const entries = ref<DatasetEntry[]>([])
  /** Reports can list thousands of paths: kept shallow. */
  const report = shallowRef<DatasetReport | null>(null)
  /** The last face alignment: counts, a sample of crops, the rejected photos. */
  const alignment = shallowRef<AlignFacesResult | null>(null)
  const busy = ref(false)
  const error = ref<string | null>(null)
  let unsubscribe: Unsubscribe | null = null

  async function load(): Promise<void> {
    if (!api) return
    unsubscribe ??= api.on('datasets:changed', (list) => {
      entries.value = list
    })
    try {
      entries.value = await api.invoke['datasets:list']()
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  async function run<T>(label: string, action: (taskId: string) => Promise<T>): Promise<T | null> {
    if (!api) return null
    busy.value = true
    error.value = null
    try {
      return await tasks.track('dataset', label, action)
    } catch (cause) {
      error.value = describeError(cause)
      return null
    } finally {
      busy.value = false
    }
  }

  /** Adds a dataset to the workspace; the report is shown whether or not it has problems. */
  async function add(path: string): Promise<DatasetEntry | null> {
    const trimmed = path.trim()
    if (!trimmed) {
      error.value = 'Give the path of an identity folder, a .rec file, a .bin file or a pair list.'
      return null
    }
    const result = await run(`Inspecting ${trimmed}`, (taskId) => api!.invoke['datasets:add']({ path: trimmed, taskId }))
    if (!result) return null
    report.value = result.report
    await load()
    return result.entry
  }

  async function inspect(path: string, decode = false): Promise<DatasetReport | null> {
    const result = await run(`Inspecting ${path}`, (taskId) => api!.invoke['datasets:inspect']({ path, decode, taskId }))
    if (result) report.value = result
    return result
  }

  /** Aligns the faces of a folder of photos into another; the aligned folder is added as a dataset. */
  async function align(request: Omit<RequestOf<'datasets:align'>, 'taskId'>): Promise<AlignFacesResult | null> {
    const result = await run(`Aligning the faces in ${request.source}`, (taskId) =>
      api!.invoke['datasets:align']({ ...request, taskId })
    )
    if (!result) return null
    alignment.value = result
    await load()
    return result
  }

  async function remove(id: string): Promise<void> {
    if (!api) return
    try {
      entries.value = await api.invoke['datasets:remove']({ id })
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  function unlisten(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  return { entries, report, alignment, busy, error, load, add, inspect, align, remove, unlisten }
})
