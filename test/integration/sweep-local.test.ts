// A sweep on the local scheduler: a queue of `sweep worker` processes, one at a time (K = 1). The
// second run waits queued while the first trains; a requeued run stops with a checkpoint and
// resumes from that step; a cancelled run reads cancelled and frees its slot; a requeue after the
// cancel continues it; both finish and compare reads their stored test reports.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runDir } from '../../src/core/train/runs'
import { readJob, sweepDir } from '../../src/core/sweep/store'
import { LocalQueue, localQueueServed } from '../../src/services/sweeps/localQueue'
import { cancelSweep, compareSweep, requeueSweep, startSweep, sweepStatus } from '../../src/services/sweeps/sweeps'
import { LONG_STEPS, SHORT_STEPS, loggedStep, starts, stopSteps, tinySweep, waitFor } from '../helpers/sweeps'

const workspace = mkdtempSync(join(tmpdir(), 'dsoftmax-sweep-local-'))
const queues: LocalQueue[] = []
afterAll(() => {
  // A failed test must not leave workers behind: stopping the queue stops them.
  queues.forEach((q) => q.stop())
  rmSync(workspace, { recursive: true, force: true })
})

describe('sweeps on the local scheduler', () => {
  it('queues K = 1, requeues (resuming), cancels, continues and compares', async () => {
    const sweep = await startSweep(workspace, tinySweep({ kind: 'local', maxParallel: 1 }))
    const [long] = sweep.runs
    const dir = sweepDir(workspace, sweep.id)
    const longDir = runDir(workspace, long.runId)
    expect((await sweepStatus(workspace, sweep.id)).runs.map((r) => r.state)).toEqual(['queued', 'queued'])

    let mostRunning = 0
    const serve = (): Promise<void> => {
      const queue = new LocalQueue(workspace, sweep.id, {
        maxParallel: 1,
        pollMs: 200,
        onChange: () =>
          void sweepStatus(workspace, sweep.id).then(
            (s) => (mostRunning = Math.max(mostRunning, s.runs.filter((r) => r.state === 'running').length))
          )
      })
      queues.push(queue)
      return queue.serve()
    }
    const served = serve()
    await waitFor('the queue to take the sweep', () => localQueueServed(workspace, sweep.id))
    // A second queue for the same sweep is refused while the first serves it.
    await expect(new LocalQueue(workspace, sweep.id, { maxParallel: 1 }).serve()).rejects.toThrow(/is being trained by process/)

    await waitFor('the long run to train 10 steps', () => loggedStep(longDir) >= 10)
    expect((await sweepStatus(workspace, sweep.id)).runs.map((r) => r.state)).toEqual(['running', 'queued'])
    const firstWorker = readJob(dir, long.name).jobId

    // Requeue: the worker stops with a checkpoint, the queue starts it again (it comes first).
    await requeueSweep(workspace, sweep.id, [long.name])
    const resumed = await waitFor('the requeued run to resume', () => starts(longDir)[1])
    const [stoppedAt] = stopSteps(longDir)
    expect(stoppedAt).toBeGreaterThanOrEqual(10)
    expect(resumed.startStep).toBe(stoppedAt)
    expect(readJob(dir, long.name)).toMatchObject({ requeues: 1, previousJobs: [firstWorker] })

    // Cancel: it stops (checkpointed) and reads cancelled; the slot goes to the short run.
    await cancelSweep(workspace, sweep.id, [long.name])
    await waitFor('the short run to finish', async () => (await sweepStatus(workspace, sweep.id)).runs[1].state === 'finished')
    await served
    expect(stopSteps(longDir)).toHaveLength(2)
    expect((await sweepStatus(workspace, sweep.id)).runs.map((r) => r.state)).toEqual(['cancelled', 'finished'])
    expect(localQueueServed(workspace, sweep.id)).toBe(false)

    // Requeue after the cancel, served again: it continues from the second stop and finishes.
    await requeueSweep(workspace, sweep.id, [long.name])
    await serve()
    const status = await sweepStatus(workspace, sweep.id)
    expect(status.runs.map((r) => [r.state, r.step])).toEqual([
      ['finished', LONG_STEPS],
      ['finished', SHORT_STEPS]
    ])
    expect(starts(longDir).map((s) => s.startStep)).toEqual([0, ...stopSteps(longDir)])
    expect(mostRunning).toBe(1)

    const compared = compareSweep(workspace, sweep.id)
    for (const row of compared) {
      const report = JSON.parse(readFileSync(join(runDir(workspace, row.runId), 'eval', 'test-fonts-test.json'), 'utf8'))
      expect(row.result).toMatchObject({
        set: 'test-fonts-test',
        role: 'test',
        auc: report.auc,
        tenFold: report.tenFold.mean,
        tarAtFar: report.tarAtFar
      })
    }
  })
})
