/**
 * The New-run form: the catalog (presets, backbones, losses with their knobs, backends), the
 * recipe being edited, its problems (field checks here, the engine's checks through
 * `training:validate`, debounced) and the estimate of memory and time, then Start.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { Estimate, LossName, TrainingCatalog, TrainingState, TrainRecipe } from '../../../common/contract'
import { useApi } from '../api'
import { describeError } from '../lib/errors'
import { checkRecipeFields } from '../lib/recipeChecks'
import { plain } from '../lib/plain'

export type TrainBackend = TrainingCatalog['backends'][number]

const VALIDATE_DELAY_MS = 300
/** While the host measures this machine's speed, the estimate is asked for again this often. */
const SPEED_RECHECK_MS = 3000

export const useNewRunStore = defineStore('newRun', () => {
  const api = useApi()
  const catalog = ref<TrainingCatalog | null>(null)
  const presetName = ref<string>('')
  const recipe = ref<TrainRecipe | null>(null)
  const name = ref('')
  const backend = ref<TrainBackend | ''>('')
  const hostProblems = ref<string[]>([])
  const estimate = ref<Estimate | null>(null)
  const checking = ref(false)
  const starting = ref(false)
  const error = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null
  let checkSerial = 0

  const fieldProblems = computed(() => (recipe.value ? checkRecipeFields(recipe.value) : {}))
  const canStart = computed(
    () =>
      recipe.value !== null &&
      Object.keys(fieldProblems.value).length === 0 &&
      hostProblems.value.length === 0 &&
      !checking.value &&
      !starting.value
  )

  async function load(): Promise<void> {
    if (!api || catalog.value) return
    try {
      catalog.value = await api.invoke['training:catalog']()
      const preset = catalog.value.presets.find((p) => p.default) ?? catalog.value.presets[0]
      if (preset) applyPreset(preset.name)
    } catch (cause) {
      error.value = describeError(cause)
    }
  }

  function applyPreset(nameOfPreset: string): void {
    const preset = catalog.value?.presets.find((p) => p.name === nameOfPreset)
    if (!preset) return
    presetName.value = preset.name
    recipe.value = plain(preset.recipe)
  }

  /** Switches the loss and resets its knobs to the catalog's defaults for that loss. */
  function setLoss(loss: LossName): void {
    if (!recipe.value) return
    const info = catalog.value?.losses.find((l) => l.name === loss)
    const params: TrainRecipe['lossParams'] = {}
    for (const knob of info?.knobs ?? []) {
      if (knob.default === null) continue
      if (knob.name === 'marginGradient') params.marginGradient = knob.default === 'detached' ? 'detached' : 'full'
      else if (knob.name === 'marginFallback')
        params.marginFallback = knob.default === 'insightface' || knob.default === 'easy' ? knob.default : 'continuous'
      else if (typeof knob.default === 'number') params[knob.name] = knob.default
    }
    recipe.value = { ...recipe.value, loss, lossParams: params }
  }

  /** Switches the backbone and takes its input and embedding size (the user may change them after). */
  function setBackbone(name: string): void {
    const info = catalog.value?.backbones.find((b) => b.name === name)
    if (!recipe.value || !info) return
    recipe.value = { ...recipe.value, backbone: info.name, inputSize: info.inputSize, embeddingDim: info.embeddingDim }
  }

  /** Asks the host to check the recipe and size it; the last answer wins. */
  async function check(): Promise<void> {
    if (!api || !recipe.value) return
    const serial = ++checkSerial
    if (Object.keys(fieldProblems.value).length > 0) {
      hostProblems.value = []
      estimate.value = null
      checking.value = false
      return
    }
    checking.value = true
    try {
      const result = await api.invoke['training:validate']({ recipe: plain(recipe.value) })
      if (serial !== checkSerial) return
      hostProblems.value = result.problems
      estimate.value = result.estimate ?? null
      // The host is measuring this machine's speed: ask again for the measured time.
      if (result.estimate?.speedPending && !timer) timer = setTimeout(() => ((timer = null), void check()), SPEED_RECHECK_MS)
    } catch (cause) {
      if (serial !== checkSerial) return
      hostProblems.value = [describeError(cause)]
      estimate.value = null
    } finally {
      if (serial === checkSerial) checking.value = false
    }
  }

  function scheduleCheck(): void {
    if (timer) clearTimeout(timer)
    checking.value = true
    timer = setTimeout(() => {
      timer = null
      void check()
    }, VALIDATE_DELAY_MS)
  }

  watch(recipe, scheduleCheck, { deep: true })

  async function start(): Promise<TrainingState | null> {
    if (!api || !recipe.value || !canStart.value) return null
    starting.value = true
    error.value = null
    try {
      return await api.invoke['training:start']({
        kind: 'recipe',
        recipe: plain(recipe.value),
        ...(name.value.trim() ? { name: name.value.trim() } : {}),
        ...(backend.value ? { backend: backend.value } : {})
      })
    } catch (cause) {
      error.value = describeError(cause)
      return null
    } finally {
      starting.value = false
    }
  }

  return {
    catalog,
    presetName,
    recipe,
    name,
    backend,
    hostProblems,
    fieldProblems,
    estimate,
    checking,
    starting,
    error,
    canStart,
    load,
    applyPreset,
    setLoss,
    setBackbone,
    check,
    start
  }
})
