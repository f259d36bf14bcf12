// A Slurm restart on another node finds the run's lock of the earlier attempt, which it cannot
// check from there: under Slurm it is removed; outside Slurm, or when the holder runs on this
// machine, the lock stands.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LOCK_FILE } from '../../../src/core/train/runLock'
import { releaseEarlierAttempt } from '../../../src/services/sweeps/worker'

const dirs: string[] = []
const saved = process.env.SLURM_JOB_ID
afterEach(() => {
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }))
  if (saved === undefined) delete process.env.SLURM_JOB_ID
  else process.env.SLURM_JOB_ID = saved
})

function lockedRun(host: string, pid: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-worker-'))
  dirs.push(dir)
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host, since: '2026-12-04T06:00:00.000Z' }))
  return dir
}

describe('releaseEarlierAttempt', () => {
  it('removes another node’s lock only inside a Slurm job, and never a live one here', () => {
    const lines: string[] = []
    delete process.env.SLURM_JOB_ID
    const outside = lockedRun('node-a', 4242)
    releaseEarlierAttempt(outside, (l) => lines.push(l))
    expect(existsSync(join(outside, LOCK_FILE))).toBe(true)

    process.env.SLURM_JOB_ID = '17'
    const inside = lockedRun('node-a', 4242)
    releaseEarlierAttempt(inside, (l) => lines.push(l))
    expect(existsSync(join(inside, LOCK_FILE))).toBe(false)
    expect(lines).toEqual(['removing the lock of the earlier attempt (process 4242 on node-a, since 2026-12-04T06:00:00.000Z)'])

    const here = lockedRun(hostname(), process.pid)
    releaseEarlierAttempt(here, (l) => lines.push(l))
    expect(existsSync(join(here, LOCK_FILE))).toBe(true)
  })
})
