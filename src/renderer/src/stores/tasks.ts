/**
 * Long actions (inspecting a dataset, evaluating, exporting): each gets a task id the host
 * reports progress under (`task:progress`) and that `task:cancel` stops. Views show the
 * running tasks with their progress and a Cancel button.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { TaskProgress, Unsubscribe } from '../../../common/contract'
import { useApi } from '../api'
import { describeError } from '../lib/errors'

let counter = 0

/** A fresh id matching the contract's task id pattern ([\w-]{1,64}). */
export function newTaskId(kind: string): string {
  counter += 1
  return `${kind.replace(/[^\w-]/g, '').slice(0, 20)}-${Date.now().toString(36)}-${counter}`
}

export interface TaskView {
  id: string
  label: string
  fraction: number | null
  phase: TaskProgress['phase']
  message?: string
}

export const useTasksStore = defineStore('tasks', () => {
  const api = useApi()
  const tasks = ref<Record<string, TaskView>>({})
  const cancelError = ref<string | null>(null)
  let unsubscribe: Unsubscribe | null = null

  function listen(): void {
    if (!api || unsubscribe) return
    unsubscribe = api.on('task:progress', (progress) => {
      const known = tasks.value[progress.taskId]
      // Progress for tasks this window did not start is not ours to show.
      if (!known) return
      tasks.value[progress.taskId] = {
        ...known,
        label: progress.label,
        fraction: progress.fraction,
        phase: progress.phase,
        message: progress.message
      }
    })
  }

  /** Runs `action(taskId)` as a tracked task; the entry is removed when it settles. */
  async function track<T>(kind: string, label: string, action: (taskId: string) => Promise<T>): Promise<T> {
    listen()
    const id = newTaskId(kind)
    tasks.value[id] = { id, label, fraction: null, phase: 'running' }
    try {
      return await action(id)
    } finally {
      delete tasks.value[id]
    }
  }

  async function cancel(id: string): Promise<void> {
    if (!api) return
    cancelError.value = null
    const task = tasks.value[id]
    if (task) tasks.value[id] = { ...task, label: `${task.label} (cancelling…)` }
    try {
      await api.invoke['task:cancel']({ taskId: id })
    } catch (cause) {
      cancelError.value = describeError(cause)
    }
  }

  const running = computed(() => Object.values(tasks.value))

  function unlisten(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  return { tasks, running, cancelError, track, cancel, listen, unlisten }
})
