/** The checkpoints each run has (from `runs:get`), and the one chosen for evaluation and export. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useApi } from '../api'
import { availableCheckpoints, type CheckpointChoice } from '../lib/checkpoints'
import { describeError } from '../lib/errors'

export const useCheckpointsStore = defineStore('checkpoints', () => {
  const api = useApi()
  const available = ref<Record<string, CheckpointChoice[]>>({})
  const chosen = ref<Record<string, CheckpointChoice>>({})
  const error = ref<string | null>(null)

  /** Reads the run's checkpoints (again: a run that trained on has new ones). */
  async function load(runId: string): Promise<void> {
    if (!api) return
    try {
      const detail = await api.invoke['runs:get']({ id: runId })
      const list = availableCheckpoints(detail.checkpoints)
      available.value = { ...available.value, [runId]: list }
      const current = chosen.value[runId]
      if (!current || !list.includes(current)) {
        const next = { ...chosen.value }
        if (list[0]) next[runId] = list[0]
        else delete next[runId]
        chosen.value = next
      }
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  function choose(runId: string, checkpoint: CheckpointChoice): void {
    chosen.value = { ...chosen.value, [runId]: checkpoint }
  }

  return { available, chosen, error, load, choose }
})
