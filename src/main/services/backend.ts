import type { BackendReport } from '../../common/dto'

/**
 * The `backend:probe` answer until the trainer utility process exists. The engine picks
 * its tfjs backend inside that process (README, "Backends, GPUs and threads"); the main process never loads tfjs, so
 * until then the honest answer is "not probed", never a guess.
 */
export function notProbedReport(): BackendReport {
  return {
    status: 'not-probed',
    choice: null,
    reason:
      'No backend has been probed yet: the trainer process that loads the engine and chooses ' +
      'between tensorflow, wasm and cpu is not part of this build.',
    rejected: []
  }
}
