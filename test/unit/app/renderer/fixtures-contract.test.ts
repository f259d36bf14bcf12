import { describe, expect, it } from 'vitest'
import { EVENT_SCHEMAS, REQUEST_SCHEMAS, type RequestChannel } from '../../../../src/common/contract'
import { createFakeApi } from './fake-api'

// The fake host's answers must be answers a real host may give: parse each with the contract.
const SAMPLE_REQUESTS: { [C in RequestChannel]?: unknown } = {
  'workspace:open': { path: '/w' },
  'runs:get': { id: 'run-1' },
  'runs:rename': { id: 'run-1', name: 'x' },
  'runs:tag': { id: 'run-1', add: ['a'] },
  'runs:delete': { id: 'run-1' },
  'runs:compare': { ids: ['run-1'] },
  'datasets:inspect': { path: '/d' },
  'datasets:add': { path: '/d' },
  'datasets:remove': { id: 'x' },
  'datasets:align': { source: '/photos', target: '/aligned' },
  'training:validate': { recipe: {} },
  'training:start': { kind: 'quick' },
  'training:resumeRun': { runId: 'run-1' },
  'training:pause': { runId: 'run-1' },
  'training:resume': { runId: 'run-1' },
  'training:stop': { runId: 'run-1' },
  'eval:run': { runId: 'run-1', pairs: { kind: 'run', set: 'validation' } },
  'eval:embedding': { runId: 'run-1' },
  'eval:list': { runId: 'run-1' },
  'export:onnx': { runId: 'run-1' },
  'export:embeddings': { runId: 'run-1', format: 'npy' },
  'export:tfjs': { runId: 'run-1' },
  'dialog:open': { kind: 'dataset' },
  'dialog:save': {},
  'task:cancel': { taskId: 't-1' },
  'study:figure1': { steps: 5 },
  'sweeps:status': { id: 's-1' },
  'sweeps:cancel': { id: 's-1' },
  'sweeps:requeue': { id: 's-1', runs: ['d-0.8'] },
  'sweeps:compare': { id: 's-1' }
}

describe('fake host answers', () => {
  it('every channel answers with a response the contract accepts', async () => {
    const { api } = createFakeApi()
    for (const channel of Object.keys(REQUEST_SCHEMAS) as RequestChannel[]) {
      const invoke = api.invoke[channel] as (...args: unknown[]) => Promise<unknown>
      const request = SAMPLE_REQUESTS[channel]
      const response = await (request === undefined ? invoke() : invoke(request))
      const parsed = REQUEST_SCHEMAS[channel].response.safeParse(response)
      expect(parsed.success, `${channel}: ${parsed.success ? '' : parsed.error.message}`).toBe(true)
    }
  })

  it('the events the tests push are valid payloads', () => {
    expect(EVENT_SCHEMAS['task:progress'].safeParse({ taskId: 't', label: 'x', phase: 'running', fraction: 0.5 }).success).toBe(
      true
    )
    expect(EVENT_SCHEMAS['runs:changed'].safeParse({ reason: 'created', runId: 'run-2' }).success).toBe(true)
  })
})
