// A sweep's results side by side: each finished run's swept values against the end-of-run
// evaluation its run folder stores (eval/<role>-<set>.json, named in metrics.jsonl): AUC, TAR at a
// FAR and 10-fold accuracy. The held-out test evaluation when the run has one, otherwise the final
// weights on the validation pairs (labelled so: those pairs picked the checkpoint).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { VerificationReport } from '../eval'
import { readMetrics } from '../train/runs'
import type { SweepValue } from './grid'
import { SweepError } from './errors'

export interface RunResult {
  /** eval/<set>.json that the figures come from, e.g. test-fonts-test. */
  set: string
  role: 'test' | 'validation'
  auc: number
  eer: number
  /** TAR at every FAR the report holds, keyed as there ("0.001", "1e-05"). */
  tarAtFar: Record<string, number>
  /** FAR keys with too few impostor pairs to trust. */
  unreliableFar: string[]
  tenFold: number
  tenFoldStd: number
}

/** The end-of-run evaluation of a run folder, or null when it has none (not finished). */
export function readRunResult(runDir: string): RunResult | null {
  const records = readMetrics(runDir).flatMap((m) =>
    (m.kind === 'test' || m.kind === 'final-validation') && typeof m.set === 'string' ? [{ kind: m.kind, set: m.set }] : []
  )
  // The plain (no flip) figures when the run also evaluated flipped embeddings.
  const record = records.find((m) => !m.set.endsWith('-flip')) ?? records[0]
  if (!record) return null
  const set = record.set
  const path = join(runDir, 'eval', `${set}.json`)
  if (!existsSync(path)) throw new Error(`${path} is missing although metrics.jsonl names it`)
  let report: VerificationReport
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as VerificationReport
  } catch (error) {
    throw new Error(`${path} is not readable JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  return {
    set,
    role: record.kind === 'test' ? 'test' : 'validation',
    auc: report.auc,
    eer: report.eer,
    tarAtFar: report.tarAtFar,
    unreliableFar: report.unreliableFar,
    tenFold: report.tenFold.mean,
    tenFoldStd: report.tenFold.std
  }
}

export interface ComparedRun {
  name: string
  runId: string
  values: Record<string, SweepValue>
  result: RunResult | null
}

/** The FAR keys every result reports, in the reports' order (highest FAR first). */
export function commonFars(rows: ComparedRun[]): string[] {
  const results = rows.map((r) => r.result).filter((r): r is RunResult => r !== null)
  if (results.length === 0) return []
  return Object.keys(results[0].tarAtFar).filter((far) => results.every((r) => Object.hasOwn(r.tarAtFar, far)))
}

/** A FAR as the user writes it (`1e-3`, `0.001`) → the report's key for it, or an error listing the keys. */
export function farKey(rows: ComparedRun[], far: string): string {
  const wanted = Number(far)
  const keys = commonFars(rows)
  const key = keys.find((k) => Number(k) === wanted)
  if (!Number.isFinite(wanted) || key === undefined)
    throw new SweepError(
      `no TAR at FAR ${far} in these results; they hold FAR ${keys.join(', ') || '(none: no run has finished)'}`
    )
  return key
}
