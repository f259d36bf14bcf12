/**
 * Which checkpoints of a run can be evaluated or exported. A stopped or interrupted run may
 * have only `last` (no validation ran, so no `best`; it did not finish, so no `final`);
 * the UI offers what exists and picks best → last → final (`last` of a finished run holds
 * its final weights).
 */
import type { RunDetail } from '../../../common/contract'

export const CHECKPOINT_CHOICES = ['best', 'last', 'final'] as const
export type CheckpointChoice = (typeof CHECKPOINT_CHOICES)[number]

export const CHECKPOINT_LABELS: Record<CheckpointChoice, string> = {
  best: 'best (by validation)',
  final: 'final (end of training)',
  last: 'last saved'
}

export function availableCheckpoints(checkpoints: RunDetail['checkpoints']): CheckpointChoice[] {
  const names = new Set(checkpoints.map((c) => c.name))
  return CHECKPOINT_CHOICES.filter((choice) => names.has(choice))
}

export function defaultCheckpoint(checkpoints: RunDetail['checkpoints']): CheckpointChoice | null {
  return availableCheckpoints(checkpoints)[0] ?? null
}
