/** The desktop notification when a run ends, in words. */
import type { TrainingState } from '../common/contract'

export function runEndedNotice(state: TrainingState): { title: string; body: string } {
  const where = `${state.runId} (step ${state.step}/${state.totalSteps})`
  switch (state.phase) {
    case 'finished':
      return { title: 'Training finished', body: `${where} is done: evaluate or export it.` }
    case 'stopped':
      return { title: 'Training stopped', body: `${where} stopped with a checkpoint; it can be resumed.` }
    case 'interrupted':
      return {
        title: 'Training interrupted',
        body: `${where}: ${state.message ?? 'the trainer ended early'}. It can be resumed from its last checkpoint.`
      }
    default:
      return { title: 'Training failed', body: `${where}: ${state.message ?? 'the trainer reported a failure'}` }
  }
}
