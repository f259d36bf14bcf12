// Shared by the sweep integration tests: a tiny two-run sweep (a long run to requeue and cancel,
// a short one that finishes at once), polling, and what a run folder says about a resume.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { presetConfig } from '../../src/core/train/presets'
import { readMetrics } from '../../src/core/train/runs'
import type { SchedulerSpec } from '../../src/core/sweep/store'
import type { SweepRequest } from '../../src/services/sweeps/sweeps'

/** Long enough to be caught mid-run (metrics are logged every 10 steps), short enough to finish in seconds. */
export const LONG_STEPS = 120
export const SHORT_STEPS = 4

export function tinySweep(scheduler: SchedulerSpec): SweepRequest {
  const base = { ...presetConfig('fonts-quick'), batchSize: 16, replicas: 1 }
  return { base, plan: { mode: 'grid', axes: [{ field: 'steps', values: [LONG_STEPS, SHORT_STEPS] }] }, scheduler, label: 'test' }
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 150_000
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** The highest training step metrics.jsonl has logged (every 10 steps), or 0. */
export function loggedStep(runDir: string): number {
  return Math.max(
    0,
    ...readMetrics(runDir)
      .filter((m) => m.kind === 'train')
      .map((m) => m.step as number)
  )
}

/** Every start of the run: its first step (0, or the checkpoint's step on a resume). */
export function starts(runDir: string): { startStep: number; resumedFrom?: string }[] {
  return readMetrics(runDir)
    .filter((m) => m.kind === 'started')
    .map((m) => ({
      startStep: m.startStep as number,
      ...(typeof m.resumedFrom === 'string' ? { resumedFrom: m.resumedFrom } : {})
    }))
}

/** Steps at which the trainer stopped on a signal, from log.txt ("stopped at step N; resumable"). */
export function stopSteps(runDir: string): number[] {
  const log = join(runDir, 'log.txt')
  return existsSync(log)
    ? [...readFileSync(log, 'utf8').matchAll(/stopped at step (\d+); resumable/g)].map((m) => Number(m[1]))
    : []
}
