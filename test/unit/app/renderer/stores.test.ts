import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { HostError } from '../../../../src/common/contract'
import { useNewRunStore } from '../../../../src/renderer/src/stores/newRun'
import { useEvaluationStore } from '../../../../src/renderer/src/stores/evaluation'
import { useDatasetsStore } from '../../../../src/renderer/src/stores/datasets'
import { useTasksStore } from '../../../../src/renderer/src/stores/tasks'
import { useExportsStore } from '../../../../src/renderer/src/stores/exports'
import { createFakeApi } from './fake-api'
import { evaluationReport, RECIPE_CHECK } from './contract-fixtures'
import { withApi } from './store-helpers'

describe('new-run store', () => {
  it('loads the catalog, starts from the default preset and sizes the recipe', async () => {
    vi.useFakeTimers()
    const fake = createFakeApi()
    withApi(fake.api)
    const store = useNewRunStore()
    await store.load()
    expect(store.presetName).toBe('fonts')
    expect(store.recipe?.loss).toBe('dsoftmax')
    await vi.advanceTimersByTimeAsync(400)
    expect(store.estimate).toEqual(RECIPE_CHECK.estimate)
    expect(store.canStart).toBe(true)
    vi.useRealTimers()
  })

  it('refuses invalid values with a reason and does not ask the host about them', async () => {
    vi.useFakeTimers()
    const fake = createFakeApi()
    withApi(fake.api)
    const store = useNewRunStore()
    await store.load()
    await vi.advanceTimersByTimeAsync(400)
    const validations = fake.requests.filter((r) => r.channel === 'training:validate').length
    if (!store.recipe) throw new Error('no recipe')
    store.recipe.lossParams = { ...store.recipe.lossParams, d: 1.2 }
    store.recipe.batchSize = 1
    await vi.advanceTimersByTimeAsync(400)
    expect(store.fieldProblems['lossParams.d']).toMatch(/between 0 and 1/)
    expect(store.fieldProblems.batchSize).toMatch(/≥ 2/)
    expect(store.canStart).toBe(false)
    expect(fake.requests.filter((r) => r.channel === 'training:validate').length).toBe(validations)
    expect(await store.start()).toBeNull()
    vi.useRealTimers()
  })

  it('shows the engine’s own problems and blocks Start', async () => {
    vi.useFakeTimers()
    const fake = createFakeApi({
      handlers: { 'training:validate': () => Promise.resolve({ problems: ['schedule floor must be in [0, 1], got 2'] }) }
    })
    withApi(fake.api)
    const store = useNewRunStore()
    await store.load()
    await vi.advanceTimersByTimeAsync(400)
    expect(store.hostProblems).toEqual(['schedule floor must be in [0, 1], got 2'])
    expect(store.estimate).toBeNull()
    expect(store.canStart).toBe(false)
    vi.useRealTimers()
  })

  it('switching the loss resets its knobs to the catalog defaults; start sends the plain recipe', async () => {
    vi.useFakeTimers()
    const fake = createFakeApi()
    withApi(fake.api)
    const store = useNewRunStore()
    await store.load()
    store.setLoss('arcface')
    expect(store.recipe?.lossParams).toEqual({ s: 64, m: 0.5, marginGradient: 'full' })
    store.name = '  arc test '
    store.backend = 'wasm'
    await vi.advanceTimersByTimeAsync(400)
    const state = await store.start()
    expect(state?.runId).toBe('run-1')
    const request = fake.requests.find((r) => r.channel === 'training:start')?.request as {
      kind: string
      recipe: { loss: string }
      name: string
      backend: string
    }
    expect(request.kind).toBe('recipe')
    expect(request.recipe.loss).toBe('arcface')
    expect(request.name).toBe('arc test')
    expect(request.backend).toBe('wasm')
    // A plain object, not a reactive proxy (IPC's structured clone refuses proxies).
    expect(() => structuredClone(request)).not.toThrow()
    vi.useRealTimers()
  })
})

describe('evaluation store', () => {
  it('evaluates through the contract, overlays runs and picks the threshold for a FAR', async () => {
    const fake = createFakeApi({
      handlers: { 'eval:run': ({ runId }) => Promise.resolve(evaluationReport({ runId, auc: runId === 'a' ? 0.9 : 0.8 })) }
    })
    withApi(fake.api)
    const store = useEvaluationStore()
    await store.evaluate('a', { kind: 'run', set: 'validation' })
    await store.evaluate('b', { kind: 'run', set: 'test' }, true)
    expect(store.overlaid.map((r) => r.auc)).toEqual([0.9, 0.8])
    expect(store.focusRunId).toBe('b')
    const request = fake.requests.filter((r) => r.channel === 'eval:run').at(-1)?.request as Record<string, unknown>
    expect(request.pairs).toEqual({ kind: 'run', set: 'test' })
    expect(request.flip).toBe(true)
    expect(typeof request.taskId).toBe('string')
    // ROC far [1/6, 2/6, 3/6, 1] with thresholds [0.85, 0.65, 0.5, 0.1].
    store.targetFar = 0.4
    expect(store.operatingPoint).toEqual({ threshold: 0.65, far: 2 / 6, tar: 4 / 6 })
    expect(store.operatingPointReliable).toBe(false) // 6 impostors × 0.4 < 10
    store.targetFar = 0.01
    expect(store.operatingPoint).toBeNull()
    store.toggleOverlay('a')
    expect(store.overlaid.map((r) => r.runId)).toEqual(['b'])
  })

  it('loads the newest saved evaluation of a run', async () => {
    const fake = createFakeApi({
      handlers: {
        'eval:list': ({ runId }) =>
          Promise.resolve([
            evaluationReport({ runId, computedAt: '2026-11-29T03:00:00Z', auc: 0.7 }),
            evaluationReport({ runId, computedAt: '2026-11-29T04:00:00Z', auc: 0.95 })
          ])
      }
    })
    withApi(fake.api)
    const store = useEvaluationStore()
    await store.loadSaved('r')
    expect(store.reports.r.auc).toBe(0.95)
  })
})

describe('datasets, tasks and exports stores', () => {
  it('adding a broken dataset keeps its report with the problems, tracked as a cancellable task', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const fake = createFakeApi()
    const add = fake.api.invoke['datasets:add']
    withApi({
      ...fake.api,
      invoke: { ...fake.api.invoke, 'datasets:add': async (request) => (await gate, add(request)) }
    })
    const datasets = useDatasetsStore()
    const tasks = useTasksStore()
    const pending = datasets.add('/data/broken')
    await flushPromises()
    expect(tasks.running).toHaveLength(1)
    const taskId = tasks.running[0].id
    expect(taskId).toMatch(/^[\w-]{1,64}$/)
    fake.emit('task:progress', { taskId, label: 'Inspecting /data/broken', phase: 'running', fraction: 0.5 })
    expect(tasks.running[0].fraction).toBe(0.5)
    await tasks.cancel(taskId)
    expect(fake.requests.find((r) => r.channel === 'task:cancel')?.request).toEqual({ taskId })
    release()
    await pending
    expect(tasks.running).toHaveLength(0)
    expect(datasets.report?.problems.unreadable[0].path).toBe('/data/broken/alice/cut.png')
  })

  it('an empty path is refused with what to type', async () => {
    withApi(createFakeApi().api)
    const datasets = useDatasetsStore()
    expect(await datasets.add('   ')).toBeNull()
    expect(datasets.error).toMatch(/identity folder/)
  })

  it('exports report the host’s results and errors with a hint', async () => {
    // What a host makes of a handler's EACCES (dispatch maps the errno to 'forbidden').
    const fake = createFakeApi({
      handlers: { 'export:tfjs': () => Promise.reject(new HostError('forbidden', 'EACCES: permission denied, open /x/tfjs')) }
    })
    withApi(fake.api)
    const store = useExportsStore()
    await store.exportOnnx('run-1', true)
    expect(store.onnx?.validation.ok).toBe(true)
    expect((fake.requests.find((r) => r.channel === 'export:onnx')?.request as { normalize: boolean }).normalize).toBe(true)
    await store.exportTfjs('run-1')
    expect(store.tfjs).toBeNull()
    expect(store.error).toMatch(/permission denied.*pick another folder/)
  })
})

describe('checkpoint choice', () => {
  it('offers the checkpoints a run has, best → last → final, and evaluation/export send the chosen one', async () => {
    const { availableCheckpoints, defaultCheckpoint } = await import('../../../../src/renderer/src/lib/checkpoints')
    const stopped = [
      { name: 'last', step: 8, best: false },
      { name: 'step-00000008', step: 8, best: false }
    ]
    expect(availableCheckpoints(stopped)).toEqual(['last'])
    expect(defaultCheckpoint([{ name: 'final', step: 9, best: false }, ...stopped])).toBe('last')
    expect(defaultCheckpoint([{ name: 'final', step: 9, best: false }])).toBe('final')
    expect(
      availableCheckpoints([{ name: 'final', step: 9, best: false }, { name: 'best', step: 5, best: true }, ...stopped])
    ).toEqual(['best', 'last', 'final'])
    expect(defaultCheckpoint([])).toBeNull()

    const { useCheckpointsStore } = await import('../../../../src/renderer/src/stores/checkpoints')
    const { runDetail } = await import('./contract-fixtures')
    const fake = createFakeApi({ handlers: { 'runs:get': () => Promise.resolve(runDetail({ checkpoints: stopped })) } })
    withApi(fake.api)
    const checkpoints = useCheckpointsStore()
    await checkpoints.load('run-1')
    expect(checkpoints.chosen['run-1']).toBe('last')
    await useEvaluationStore().evaluate('run-1', { kind: 'run', set: 'validation' }, false, checkpoints.chosen['run-1'])
    await useExportsStore().exportOnnx('run-1', false, checkpoints.chosen['run-1'])
    expect(fake.requests.find((r) => r.channel === 'eval:run')?.request).toMatchObject({ checkpoint: 'last' })
    expect(fake.requests.find((r) => r.channel === 'export:onnx')?.request).toMatchObject({ checkpoint: 'last' })
  })
})

describe('backbone choice', () => {
  it('takes the backbone’s input and embedding size from the catalog', async () => {
    withApi(createFakeApi().api)
    const store = useNewRunStore()
    await store.load()
    store.setBackbone('mobilefacenet')
    expect(store.recipe).toMatchObject({ backbone: 'mobilefacenet', inputSize: 112, embeddingDim: 512 })
  })
})

describe('embedding per run', () => {
  it('shows the focused run’s embedding only', async () => {
    withApi(createFakeApi().api)
    const store = useEvaluationStore()
    store.focusRunId = 'a'
    await store.loadEmbedding('a', 'last')
    expect(store.embedding?.dims).toBe(2)
    store.focusRunId = 'b'
    expect(store.embedding).toBeNull()
    store.focusRunId = 'a'
    expect(store.embedding?.identities).toEqual(['a', 'b'])
  })
})
