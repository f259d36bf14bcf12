/** Contract-typed sample answers of the sweeps channels (parsed against the contract in fixtures-contract.test.ts). */
import type { SweepComparison, SweepPlanResult, SweepStatus, SweepSummary } from '../../../../src/common/contract'

export const SWEEP_SUMMARY: SweepSummary = {
  id: '20261204-060000-d',
  createdAt: '2026-12-04T06:00:00.000Z',
  scheduler: 'slurm',
  fields: ['lossParams.d'],
  runs: 3
}

export const SWEEP_PLAN: SweepPlanResult = {
  problems: [],
  runs: [
    { name: 'd-0.7', values: { 'lossParams.d': 0.7 } },
    { name: 'd-0.8', values: { 'lossParams.d': 0.8 } },
    { name: 'd-0.9', values: { 'lossParams.d': 0.9 } }
  ],
  estimate: { secondsPerRun: [300, 300, 300], totalSeconds: 900, wallSeconds: 300, basis: 'time scaled from 33 img/s' }
}

export function sweepStatus(overrides: Partial<SweepStatus> = {}): SweepStatus {
  const id = SWEEP_SUMMARY.id
  return {
    id,
    createdAt: SWEEP_SUMMARY.createdAt,
    scheduler: 'slurm',
    fields: ['lossParams.d'],
    runs: [
      {
        name: 'd-0.7',
        runId: `${id}-d-0.7`,
        values: { 'lossParams.d': 0.7 },
        state: 'finished',
        step: 100,
        totalSteps: 100,
        jobId: '11',
        requeues: 0
      },
      {
        name: 'd-0.8',
        runId: `${id}-d-0.8`,
        values: { 'lossParams.d': 0.8 },
        state: 'running',
        step: 40,
        totalSteps: 100,
        jobId: '12',
        requeues: 1
      },
      {
        name: 'd-0.9',
        runId: `${id}-d-0.9`,
        values: { 'lossParams.d': 0.9 },
        state: 'cancelled',
        step: 20,
        totalSteps: 100,
        jobId: '13',
        requeues: 0,
        message: 'cancelled; requeue continues it from its last checkpoint'
      }
    ],
    ...overrides
  }
}

const result = (
  auc: number,
  tar: [number, number, number],
  tenFold: number
): NonNullable<SweepComparison['runs'][number]['result']> => ({
  set: 'test-fonts-test',
  role: 'test',
  auc,
  eer: 1 - auc,
  tarAtFar: { '0.1': tar[0], '0.01': tar[1], '0.001': tar[2] },
  unreliableFar: ['0.001'],
  tenFold,
  tenFoldStd: 0.01
})

export const SWEEP_COMPARISON: SweepComparison = {
  id: SWEEP_SUMMARY.id,
  fields: ['lossParams.d'],
  fars: ['0.1', '0.01', '0.001'],
  runs: [
    {
      name: 'd-0.7',
      runId: `${SWEEP_SUMMARY.id}-d-0.7`,
      values: { 'lossParams.d': 0.7 },
      result: result(0.91, [0.6, 0.5, 0.4], 0.85)
    },
    {
      name: 'd-0.8',
      runId: `${SWEEP_SUMMARY.id}-d-0.8`,
      values: { 'lossParams.d': 0.8 },
      result: result(0.93, [0.65, 0.55, 0.45], 0.87)
    },
    { name: 'd-0.9', runId: `${SWEEP_SUMMARY.id}-d-0.9`, values: { 'lossParams.d': 0.9 }, result: null }
  ]
}
