/**
 * Evaluation: reports of runs on pair sets (ROC, metrics, histograms, worst pairs), several
 * runs overlaid, a threshold picked by target FAR, and the embedding view.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { EmbeddingProjection, EvaluationReport } from '../../../common/contract'
import { useApi } from '../api'
import { describeError } from '../lib/errors'
import type { CheckpointChoice } from '../lib/checkpoints'
import { thresholdForFar, type OperatingPoint } from '../lib/threshold'
import { useTasksStore } from './tasks'

export type PairChoice = { kind: 'run'; set: 'validation' | 'test' } | { kind: 'file'; path: string }

export const FAR_TARGETS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6] as const

export const useEvaluationStore = defineStore('evaluation', () => {
  const api = useApi()
  const tasks = useTasksStore()
  /** Latest report per run id (reports carry ROC arrays: shallow). */
  const reports = shallowRef<Record<string, EvaluationReport>>({})
  /** The run whose details (table, histograms, worst pairs) are shown. */
  const focusRunId = ref<string | null>(null)
  /** Runs drawn on the ROC. */
  const overlay = ref<string[]>([])
  const targetFar = ref<number>(1e-3)
  /** Embedding views per run id. */
  const embeddings = shallowRef<Record<string, EmbeddingProjection>>({})
  const busy = ref(false)
  const embeddingBusy = ref(false)
  const error = ref<string | null>(null)

  const embedding = computed(() => (focusRunId.value ? (embeddings.value[focusRunId.value] ?? null) : null))
  const focus = computed(() => (focusRunId.value ? (reports.value[focusRunId.value] ?? null) : null))
  const overlaid = computed(() =>
    overlay.value.map((id) => reports.value[id]).filter((r): r is EvaluationReport => r !== undefined)
  )
  /** Threshold for the chosen FAR on the focused report's ROC. */
  const operatingPoint = computed<OperatingPoint | null>(() => {
    const report = focus.value
    if (!report) return null
    return thresholdForFar({ far: report.roc.far, tar: report.roc.tar, thresholds: report.roc.threshold }, targetFar.value)
  })
  /** Whether the chosen FAR rests on enough impostor pairs (≥ 10 / FAR). */
  const operatingPointReliable = computed(() => (focus.value ? focus.value.pairs.impostor * targetFar.value >= 10 : false))

  function store(report: EvaluationReport): void {
    reports.value = { ...reports.value, [report.runId]: report }
    if (!overlay.value.includes(report.runId)) overlay.value = [...overlay.value, report.runId]
  }

  /** Loads the saved evaluations of a run (the newest one becomes its report). */
  async function loadSaved(runId: string): Promise<EvaluationReport | null> {
    if (!api) return null
    try {
      const list = await api.invoke['eval:list']({ runId })
      const latest = [...list].sort((a, b) => a.computedAt.localeCompare(b.computedAt)).at(-1) ?? null
      if (latest) store(latest)
      return latest
    } catch (cause) {
      error.value = describeError(cause)
      return null
    }
  }

  async function evaluate(
    runId: string,
    pairs: PairChoice,
    flip = false,
    checkpoint?: CheckpointChoice
  ): Promise<EvaluationReport | null> {
    if (!api) return null
    busy.value = true
    error.value = null
    try {
      const report = await tasks.track('eval', `Evaluating ${runId}`, (taskId) =>
        api.invoke['eval:run']({
          runId,
          pairs: pairs.kind === 'run' ? { kind: 'run', set: pairs.set } : { kind: 'file', path: pairs.path },
          flip,
          ...(checkpoint ? { checkpoint } : {}),
          taskId
        })
      )
      store(report)
      focusRunId.value = runId
      return report
    } catch (cause) {
      error.value = describeError(cause)
      return null
    } finally {
      busy.value = false
    }
  }

  async function loadEmbedding(runId: string, checkpoint?: CheckpointChoice): Promise<void> {
    if (!api) return
    embeddingBusy.value = true
    error.value = null
    try {
      const projection = await tasks.track('embedding', `Embedding ${runId}`, (taskId) =>
        api.invoke['eval:embedding']({ runId, method: 'auto', ...(checkpoint ? { checkpoint } : {}), taskId })
      )
      embeddings.value = { ...embeddings.value, [runId]: projection }
    } catch (cause) {
      error.value = describeError(cause)
    } finally {
      embeddingBusy.value = false
    }
  }

  function toggleOverlay(runId: string): void {
    overlay.value = overlay.value.includes(runId) ? overlay.value.filter((id) => id !== runId) : [...overlay.value, runId]
  }

  return {
    reports,
    focusRunId,
    focus,
    overlay,
    overlaid,
    targetFar,
    operatingPoint,
    operatingPointReliable,
    embedding,
    embeddings,
    busy,
    embeddingBusy,
    error,
    loadSaved,
    evaluate,
    loadEmbedding,
    toggleOverlay
  }
})
