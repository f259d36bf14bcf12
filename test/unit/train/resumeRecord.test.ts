// A resume runs the way the run recorded: the replica count in config.json (not `replicas: auto`
// resolved again) and the recorded backend; a --backend that differs is allowed, with a warning
// kept in the run's log. A recorded knob the loss never read is ignored with a warning, not refused.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultReplicaCount, presetConfig } from '../../../src/core/train'
import { runSession, type SessionControl } from '../../../src/core/train/session'
import type { TrainerProcessEvent } from '../../../src/common/trainer'

const root = mkdtempSync(join(tmpdir(), 'dsoftmax-resume-record-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const control = (stopAfter: number, events: TrainerProcessEvent[]): SessionControl => ({
  shouldStop: () => events.filter((e) => e.type === 'progress').length >= stopAfter,
  gate: () => undefined
})

describe('resume', () => {
  it('reuses the recorded replica count and backend; an overriding --backend is warned about in the run', async () => {
    const config = {
      ...presetConfig('fonts-quick'),
      steps: 3,
      batchSize: 8,
      epochs: 1,
      checkpointEverySteps: 1,
      validateEvery: 0,
      replicas: 'auto' as const
    }
    const first: TrainerProcessEvent[] = []
    await runSession({ workspace: root, config, backend: 'cpu' }, (e) => first.push(e), control(1, first))
    const started = first.find((e) => e.type === 'started')
    if (started?.type !== 'started') throw new Error(`the first part did not start: ${JSON.stringify(first.at(-1))}`)
    const runId = started.runId
    // Record a count that `auto` would not give here, so reusing it is visible.
    const recorded = defaultReplicaCount() === 1 ? 2 : 1
    const configFile = join(started.runDir, 'config.json')
    const stored = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>
    expect(stored.replicasUsed).toBe(defaultReplicaCount())
    // And a knob the loss never read, as runs recorded before such knobs were refused may hold.
    writeFileSync(
      configFile,
      JSON.stringify({ ...stored, replicasUsed: recorded, lossParams: { ...(stored.lossParams as object), m: 0.5 } })
    )

    const second: TrainerProcessEvent[] = []
    await runSession({ workspace: root, resumeRun: runId, backend: 'wasm' }, (e) => second.push(e), control(99, second))
    const resumed = second.find((e) => e.type === 'started')
    expect(resumed?.type === 'started' && resumed.replicas).toBe(recorded)
    expect(resumed?.type === 'started' && resumed.backend.choice).toBe('wasm')
    const warnings = second.flatMap((e) => (e.type === 'warning' ? [e.message] : []))
    expect(warnings.join('\n')).toMatch(/resumed on the wasm backend \(--backend\) although the run trained on cpu/)
    expect(warnings.join('\n')).toMatch(/the recorded recipe sets lossParams\.m, which dsoftmax does not read; ignored as before/)
    expect(readFileSync(join(started.runDir, 'log.txt'), 'utf8')).toMatch(
      /warning: resumed on the wasm backend \(--backend\) although the run trained on cpu/
    )
    expect(second.at(-1)?.type).toBe('finished')
  })
})
