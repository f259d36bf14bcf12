/**
 * The Figure 1 study: one request runs the four trainings on the host (the engine's
 * runFigure1Study, as `cli study figure1`); progress comes as `task:progress` under its task id.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Figure1Result } from '../../../common/contract'
import { useApi } from '../api'
import { describeError } from '../lib/errors'
import { useTasksStore } from './tasks'

export const useStudyStore = defineStore('study', () => {
  const api = useApi()
  const tasks = useTasksStore()
  const result = shallowRef<Figure1Result | null>(null)
  const busy = ref(false)
  const error = ref<string | null>(null)
  const taskId = ref<string | null>(null)
  /** Training steps per run; null = the presets' (300). */
  const steps = ref<number | null>(null)

  const progress = computed(() => (taskId.value ? (tasks.tasks[taskId.value] ?? null) : null))

  async function run(): Promise<Figure1Result | null> {
    if (!api || busy.value) return null
    busy.value = true
    error.value = null
    try {
      const answer = await tasks.track('study', 'Figure 1 study', (id) => {
        taskId.value = id
        return api.invoke['study:figure1']({ ...(steps.value ? { steps: steps.value } : {}), taskId: id })
      })
      result.value = answer
      return answer
    } catch (cause) {
      error.value = describeError(cause)
      return null
    } finally {
      busy.value = false
      taskId.value = null
    }
  }

  async function cancel(): Promise<void> {
    if (taskId.value) await tasks.cancel(taskId.value)
  }

  return { result, busy, error, steps, progress, run, cancel }
})
