/** The engine-job worker: answers jobs, says why one failed, and survives a cancelled one. */
import { afterAll, describe, expect, it } from 'vitest'
import { TaskRegistry } from '../../../src/services/tasks'
import { createJobPool } from '../../../src/services/jobs/runner'

const pool = createJobPool()
afterAll(() => pool.close())

describe('job pool', () => {
  it('reports a failing job with its reason, then keeps serving after a cancelled one', async () => {
    await expect(pool.run('export-tfjs', { runDir: '/nonexistent/runs/r1', dir: '/tmp/x' })).rejects.toThrow(
      /\/nonexistent\/runs\/r1/
    )

    const tasks = new TaskRegistry(() => {})
    const slow = tasks.run('probe-1', 'probe', (task) => pool.run('probe', {}, task))
    tasks.cancel('probe-1')
    await expect(slow).rejects.toMatchObject({ code: 'cancelled' })

    // A fresh worker takes the next job.
    await expect(
      pool.run('evaluate', { runDir: '/nonexistent/runs/r2', pairs: { kind: 'run', set: 'validation' }, worst: 1 })
    ).rejects.toThrow(/\/nonexistent\/runs\/r2/)
  })
})
