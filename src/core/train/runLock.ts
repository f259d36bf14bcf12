// One trainer per run: runs/<id>/.lock is created exclusively (O_EXCL) by the trainer that
// writes the run, and removed when it ends. A second trainer (the CLI training a run while the
// app resumes it) finds the lock and refuses, instead of both writing checkpoints/. A lock left
// by a process that died (killed, power cut) names a pid that no longer runs on this machine:
// it is taken over. A lock from another machine (a shared workspace) is only reported.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

export const LOCK_FILE = '.lock'

export interface LockHolder {
  pid: number
  host: string
  since: string
}

/** True while process `pid` exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class RunLockedError extends Error {
  override name = 'RunLockedError'
  constructor(
    readonly dir: string,
    readonly holder: LockHolder
  ) {
    super(
      `${dir} is being trained by process ${holder.pid} on ${holder.host} (since ${holder.since}); ` +
        `stop that training first. If no such training runs, delete ${join(dir, LOCK_FILE)}`
    )
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>
    return Number.isInteger(value.pid) && typeof value.host === 'string' && typeof value.since === 'string'
      ? (value as LockHolder)
      : null
  } catch {
    return null
  }
}

/** Whether a lock's holder is gone for sure: same machine and its pid no longer runs (or an unreadable lock). */
function isStale(holder: LockHolder | null): boolean {
  return holder === null || (holder.host === hostname() && !isAlive(holder.pid))
}

/** The live holder of a run's lock, or null when there is none or it is stale. */
export function lockHolder(dir: string): LockHolder | null {
  const holder = readHolder(join(dir, LOCK_FILE))
  return holder && !isStale(holder) ? holder : null
}

export interface RunLock {
  release(): void
}

/**
 * Takes the run's lock for this process, or throws RunLockedError naming who holds it. A stale
 * lock is removed and taken (once: two processes racing for it cannot both win, O_EXCL decides).
 */
export function acquireRunLock(dir: string, pid = process.pid): RunLock {
  const file = join(dir, LOCK_FILE)
  const mine: LockHolder = { pid, host: hostname(), since: new Date().toISOString() }
  for (let attempt = 0; ; attempt++) {
    let fd: number
    try {
      fd = openSync(file, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = readHolder(file)
      if (attempt > 0 || !isStale(holder)) {
        throw new RunLockedError(dir, holder ?? { pid: -1, host: 'unknown', since: 'unknown' })
      }
      rmSync(file, { force: true })
      continue
    }
    try {
      writeSync(fd, JSON.stringify(mine) + '\n')
    } finally {
      closeSync(fd)
    }
    let released = false
    return {
      release() {
        if (released) return
        released = true
        // Only our own lock: a lock someone took over after we were presumed dead stays.
        if (readHolder(file)?.pid === pid) rmSync(file, { force: true })
      }
    }
  }
}
