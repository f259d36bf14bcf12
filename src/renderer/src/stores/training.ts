/**
 * The training dashboard's data: the followed run's state, its loss/lr and validation
 * curves, its log. Curves live in StreamSeries (typed arrays, not reactive); a `version`
 * counter tells the charts to redraw, so thousands of streamed points cost no deep
 * reactivity. Everything arrives through the contract: `training:event`, `training:state`,
 * `training:log`, and `runs:get` for the history when attaching to a run.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { RunDetail, TrainingEvent, TrainingState, Unsubscribe } from '../../../common/contract'
import { useApi } from '../api'
import { describeError } from '../lib/errors'
import { StreamSeries } from '../lib/series'
import { PROGRESS_METRICS, type ProgressMetric } from '../../../common/trainer'
import {
  VALIDATION_SERIES,
  progressPoint,
  reduceTrainingState,
  validationPoint,
  type ValidationSeriesKey
} from '../../../common/trainingState'

/** The training series: every metric of the common progress payload (src/common/trainer.ts). */
export const TRAIN_KEYS = PROGRESS_METRICS
export const VALIDATION_KEYS = VALIDATION_SERIES
export type TrainKey = ProgressMetric
export type ValidationKey = ValidationSeriesKey

const MAX_LOG_LINES = 2000
const ENDED = new Set<TrainingState['phase']>(['finished', 'stopped', 'failed', 'interrupted'])

export const useTrainingStore = defineStore('training', () => {
  const api = useApi()
  /** Run the dashboard follows. */
  const runId = ref<string | null>(null)
  const state = ref<TrainingState | null>(null)
  const detail = shallowRef<RunDetail | null>(null)
  const active = ref<TrainingState[]>([])
  const trainSeries = markRaw(new StreamSeries<TrainKey>(TRAIN_KEYS, 1024))
  const validationSeries = markRaw(new StreamSeries<ValidationKey>(VALIDATION_KEYS, 64))
  /** Bumped on every change to the series; charts redraw at most once per frame. */
  const version = ref(0)
  const log = shallowRef<readonly string[]>([])
  const warnings = ref<string[]>([])
  const error = ref<string | null>(null)
  const busy = ref(false)
  let unsubscribers: Unsubscribe[] = []

  const running = computed(() => state.value !== null && !ENDED.has(state.value.phase))
  const canPause = computed(() => state.value?.phase === 'running')
  const canResume = computed(() => state.value?.phase === 'paused')
  const canStop = computed(
    () => state.value?.phase === 'running' || state.value?.phase === 'paused' || state.value?.phase === 'starting'
  )
  /** A run that ended without finishing and has a checkpoint: offer to continue it. */
  const canResumeRun = computed(() => {
    const summary = detail.value?.summary
    const phase = state.value?.phase
    if (phase && !ENDED.has(phase)) return false
    return summary?.resumable === true || phase === 'interrupted' || phase === 'stopped'
  })
  const progress = computed(() =>
    state.value && state.value.totalSteps > 0 ? Math.min(1, state.value.step / state.value.totalSteps) : 0
  )

  function appendLog(lines: readonly string[]): void {
    const next = [...log.value, ...lines]
    log.value = next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next
  }

  function onEvent({ runId: id, event }: TrainingEvent): void {
    if (id !== runId.value && !(runId.value === null && id !== null)) return
    if (runId.value === null && id !== null) runId.value = id
    // The same reducer as the host's (src/common/trainingState.ts), between its `training:state` pushes.
    if (state.value) state.value = reduceTrainingState(state.value, event)
    switch (event.type) {
      case 'started':
        // A resumed run continues from its checkpoint: drop points after it.
        trainSeries.truncateFrom(event.startStep + 1)
        validationSeries.truncateFrom(event.startStep + 1)
        version.value++
        // The run folder (name, checkpoints, status) now exists or changed: re-read it.
        void refreshDetail()
        break
      case 'progress':
        trainSeries.push(event.step, progressPoint(event))
        version.value++
        break
      case 'validation':
        validationSeries.push(event.step, validationPoint(event.validation))
        version.value++
        break
      case 'epoch-end':
        if (event.validation) {
          validationSeries.push(event.step, validationPoint(event.validation))
          version.value++
        }
        break
      case 'warning':
        warnings.value = [...warnings.value, event.message]
        break
      case 'failed':
        error.value = event.message
        break
      case 'exited':
        if (event.interrupted) error.value = event.message
        break
      default:
        break
    }
  }

  function listen(): void {
    if (!api || unsubscribers.length) return
    unsubscribers = [
      api.on('training:event', onEvent),
      api.on('training:state', (next) => {
        active.value = [...active.value.filter((s) => s.runId !== next.runId), next]
        if (next.runId === runId.value || runId.value === null) {
          runId.value = next.runId
          state.value = next
          if (ENDED.has(next.phase)) void refreshDetail()
        }
      }),
      api.on('training:log', ({ runId: id, lines }) => {
        if (id === runId.value) appendLog(lines)
      })
    ]
  }

  function fillFromHistory(run: RunDetail): void {
    trainSeries.clear()
    validationSeries.clear()
    const t = run.metrics.train
    for (let i = 0; i < t.step.length; i++) {
      trainSeries.push(t.step[i], Object.fromEntries(TRAIN_KEYS.map((key) => [key, t[key][i] ?? undefined])))
    }
    const v = run.metrics.validation
    for (let i = 0; i < v.step.length; i++) {
      validationSeries.push(v.step[i], {
        auc: v.auc[i] ?? undefined,
        eer: v.eer[i] ?? undefined,
        tenFold: v.tenFold[i] ?? undefined
      })
    }
    version.value++
  }

  async function refreshDetail(): Promise<void> {
    if (!api || !runId.value) return
    try {
      detail.value = await api.invoke['runs:get']({ id: runId.value })
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  /** Follows `id` (or the most recent active training when absent): history first, then live events. */
  async function attach(id?: string): Promise<void> {
    if (!api) return
    listen()
    error.value = null
    warnings.value = []
    try {
      active.value = await api.invoke['training:active']()
      const target =
        id ?? [...active.value].reverse().find((s) => !ENDED.has(s.phase))?.runId ?? active.value.at(-1)?.runId ?? null
      runId.value = target
      state.value = active.value.find((s) => s.runId === target) ?? null
      if (!target) {
        detail.value = null
        log.value = []
        trainSeries.clear()
        validationSeries.clear()
        version.value++
        return
      }
      const run = await api.invoke['runs:get']({ id: target })
      if (runId.value !== target) return
      detail.value = run
      log.value = run.log
      fillFromHistory(run)
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  async function control(action: 'training:pause' | 'training:resume' | 'training:stop'): Promise<void> {
    if (!api || !runId.value) return
    busy.value = true
    error.value = null
    try {
      state.value = await api.invoke[action]({ runId: runId.value })
    } catch (cause) {
      error.value = describeError(cause)
    } finally {
      busy.value = false
    }
  }

  /** Continues an interrupted or stopped run from its last good checkpoint. */
  async function resumeRun(): Promise<void> {
    if (!api || !runId.value) return
    busy.value = true
    error.value = null
    try {
      state.value = await api.invoke['training:resumeRun']({ runId: runId.value })
    } catch (cause) {
      error.value = describeError(cause)
    } finally {
      busy.value = false
    }
  }

  function unlisten(): void {
    for (const unsubscribe of unsubscribers) unsubscribe()
    unsubscribers = []
  }

  return {
    runId,
    state,
    detail,
    active,
    trainSeries,
    validationSeries,
    version,
    log,
    warnings,
    error,
    busy,
    running,
    canPause,
    canResume,
    canStop,
    canResumeRun,
    progress,
    attach,
    listen,
    onEvent,
    pause: () => control('training:pause'),
    resume: () => control('training:resume'),
    stopRun: () => control('training:stop'),
    resumeRun,
    refreshDetail,
    unlisten
  }
})
