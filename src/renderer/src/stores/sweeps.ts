/**
 * Sweeps: the grid being defined (a preset's recipe, fields and their values, a scheduler) with
 * its run count and time estimate from the host, the workspace's sweeps, and the chosen sweep's
 * status and comparison. Status is polled while a run of the chosen sweep waits or trains: the
 * runs may be on a cluster, where nothing pushes their progress to this host.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type {
  SweepComparison,
  SweepPlanResult,
  SweepRequest,
  SweepStatus,
  SweepSummary,
  TrainingCatalog
} from '../../../common/contract'
import { parseSweepValues } from '../../../common/sweepValues'
import { useApi } from '../api'
import { describeError } from '../lib/errors'
import { plain } from '../lib/plain'

export interface AxisDraft {
  field: string
  /** As typed: `0.7, 0.8, 0.9`. */
  values: string
}

/** Fields offered first (the paper's ablations); any dotted recipe path may be typed. */
export const COMMON_FIELDS = [
  'lossParams.d',
  'lossParams.s',
  'lossParams.rate',
  'loss',
  'optimizer.lr',
  'batchSize',
  'steps',
  'seed'
] as const

const POLL_MS = 3000
const ACTIVE = new Set(['queued', 'pending', 'running'])

export const useSweepsStore = defineStore('sweeps', () => {
  const api = useApi()
  const catalog = shallowRef<TrainingCatalog | null>(null)
  const preset = ref('')
  const axes = ref<AxisDraft[]>([{ field: 'lossParams.d', values: '0.7, 0.8, 0.9' }])
  const mode = ref<'grid' | 'list'>('grid')
  const scheduler = ref<'local' | 'slurm'>('local')
  const maxParallel = ref(1)
  const slurm = ref({ partition: '', time: '', gpus: 0, extra: '' })
  const plan = shallowRef<SweepPlanResult | null>(null)
  const sweeps = shallowRef<SweepSummary[]>([])
  const status = shallowRef<SweepStatus | null>(null)
  const comparison = shallowRef<SweepComparison | null>(null)
  const far = ref('0.001')
  const busy = ref(false)
  const error = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null
  let planSerial = 0

  const request = computed<SweepRequest | null>(() => {
    const recipe = catalog.value?.presets.find((p) => p.name === preset.value)?.recipe
    if (!recipe) return null
    const extra = slurm.value.extra
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
    return {
      base: plain(recipe),
      plan: {
        mode: mode.value,
        axes: axes.value
          .filter((a) => a.field.trim() !== '')
          .map((a) => ({ field: a.field.trim(), values: parseSweepValues(a.values) }))
      },
      scheduler:
        scheduler.value === 'local'
          ? { kind: 'local', maxParallel: maxParallel.value }
          : {
              kind: 'slurm',
              slurm: {
                ...(slurm.value.partition.trim() ? { partition: slurm.value.partition.trim() } : {}),
                ...(slurm.value.time.trim() ? { time: slurm.value.time.trim() } : {}),
                ...(slurm.value.gpus > 0 ? { gpus: slurm.value.gpus } : {}),
                ...(extra.length ? { extra } : {})
              }
            }
    }
  })

  const canStart = computed(
    () => !busy.value && plan.value !== null && plan.value.problems.length === 0 && plan.value.runs.length > 0
  )

  async function load(): Promise<void> {
    if (!api) return
    try {
      if (!catalog.value) {
        catalog.value = await api.invoke['training:catalog']()
        preset.value = (catalog.value.presets.find((p) => p.default) ?? catalog.value.presets[0])?.name ?? ''
      }
      sweeps.value = await api.invoke['sweeps:list']()
      await replan()
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  /** Asks the host for the runs, problems and estimate of the grid as it stands (the latest answer wins). */
  async function replan(): Promise<void> {
    const current = request.value
    if (!api || !current) return
    const serial = ++planSerial
    try {
      const answer = await api.invoke['sweeps:plan'](plain(current))
      if (serial === planSerial) plan.value = answer
    } catch (cause) {
      if (serial === planSerial) plan.value = { problems: [describeError(cause)], runs: [] }
    }
  }

  function addAxis(): void {
    axes.value = [...axes.value, { field: '', values: '' }]
  }

  function removeAxis(index: number): void {
    axes.value = axes.value.filter((_, i) => i !== index)
  }

  async function start(): Promise<void> {
    const current = request.value
    if (!api || !current || !canStart.value) return
    busy.value = true
    error.value = null
    try {
      show(await api.invoke['sweeps:start'](plain(current)))
      sweeps.value = await api.invoke['sweeps:list']()
    } catch (cause) {
      error.value = describeError(cause)
    } finally {
      busy.value = false
    }
  }

  function show(next: SweepStatus): void {
    status.value = next
    schedulePoll()
  }

  async function select(id: string): Promise<void> {
    if (!api) return
    try {
      show(await api.invoke['sweeps:status']({ id }))
      await refreshComparison()
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  async function refreshComparison(): Promise<void> {
    if (!api || !status.value) return
    comparison.value = await api.invoke['sweeps:compare']({ id: status.value.id })
    if (!comparison.value.fars.includes(far.value))
      far.value = comparison.value.fars.find((f) => Number(f) === 1e-3) ?? comparison.value.fars[0] ?? far.value
  }

  async function act(action: 'sweeps:cancel' | 'sweeps:requeue', runs: string[]): Promise<void> {
    if (!api || !status.value) return
    error.value = null
    try {
      show(await api.invoke[action]({ id: status.value.id, runs }))
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  const cancel = (runs: string[] = []): Promise<void> => act('sweeps:cancel', runs)
  const requeue = (runs: string[]): Promise<void> => act('sweeps:requeue', runs)

  function schedulePoll(): void {
    stopPolling()
    if (!status.value?.runs.some((r) => ACTIVE.has(r.state))) return
    timer = setTimeout(async () => {
      timer = null
      const id = status.value?.id
      if (!id || !api) return
      try {
        const before = status.value?.runs.filter((r) => r.state === 'finished').length ?? 0
        show(await api.invoke['sweeps:status']({ id }))
        if ((status.value?.runs.filter((r) => r.state === 'finished').length ?? 0) !== before) await refreshComparison()
      } catch (cause) {
        error.value = describeError(cause)
      }
    }, POLL_MS)
  }

  function stopPolling(): void {
    if (timer) clearTimeout(timer)
    timer = null
  }

  return {
    catalog,
    preset,
    axes,
    mode,
    scheduler,
    maxParallel,
    slurm,
    plan,
    sweeps,
    status,
    comparison,
    far,
    busy,
    error,
    request,
    canStart,
    load,
    replan,
    addAxis,
    removeAxis,
    start,
    select,
    cancel,
    requeue,
    refreshComparison,
    stopPolling
  }
})
