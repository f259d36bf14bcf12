// A sweep on a real one-node Slurm cluster (scripts/slurm-local.sh; Debian's slurm-wlm): two runs
// go through sbatch, status follows them through squeue and the run folders, a requeued job
// resumes from the step it checkpointed at, a cancelled one reads cancelled, a requeue after the
// cancel continues it again, and compare prints both runs' test metrics.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/cli'
import type { CliIo } from '../../src/cli/io'
import { runDir } from '../../src/core/train/runs'
import { logPath, readJob, sweepDir } from '../../src/core/sweep/store'
import { cancelSweep, requeueSweep, startSweep, sweepStatus } from '../../src/services/sweeps/sweeps'
import { runSlurm } from '../../src/services/sweeps/slurmCommands'
import { useLocalSlurm } from '../helpers/slurmCluster'
import { LONG_STEPS, SHORT_STEPS, loggedStep, starts, stopSteps, tinySweep, waitFor } from '../helpers/sweeps'

const cluster = useLocalSlurm('sweep-slurm.test.ts')
const workspace = mkdtempSync(join(tmpdir(), 'dsoftmax-sweep-slurm-'))
afterAll(async () => {
  // No job of this test may outlive it.
  const ids = (await runSlurm('squeue', ['--noheader', '--format=%i|%j']).catch(() => ({ stdout: '' }))).stdout
  for (const line of ids.split('\n'))
    if (line.includes('|') && line.includes('-test-steps-')) await runSlurm('scancel', [line.split('|')[0]]).catch(() => {})
  cluster.release()
  rmSync(workspace, { recursive: true, force: true })
})

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s)
  }
  return io
}

describe.skipIf(!cluster.available)('sweeps on Slurm', () => {
  it('runs, requeues (resuming), cancels and compares a two-run sweep through sbatch', async () => {
    const sweep = await startSweep(
      workspace,
      tinySweep({ kind: 'slurm', slurm: { time: '10:00', extra: ['--comment=dsoftmax-test'] } })
    )
    const [long, short] = sweep.runs
    expect([long.name, short.name]).toEqual([`steps-${LONG_STEPS}`, `steps-${SHORT_STEPS}`])
    const dir = sweepDir(workspace, sweep.id)
    const longDir = runDir(workspace, long.runId)
    const firstJob = readJob(dir, long.name).jobId as string
    expect(firstJob).toMatch(/^\d+$/)
    // Slurm itself holds the job with the script's options.
    const shown = (await runSlurm('scontrol', ['-o', 'show', 'job', firstJob])).stdout
    expect(shown).toContain('Requeue=1')
    expect(shown).toContain('TimeLimit=00:10:00')
    expect(shown).toContain('Comment=dsoftmax-test')

    // Requeue the long run mid-way: it checkpoints on SIGTERM and Slurm starts it again.
    await waitFor('the long run to train 10 steps', () => loggedStep(longDir) >= 10)
    await requeueSweep(workspace, sweep.id, [long.name])
    const resumed = await waitFor('the requeued job to resume', () => starts(longDir)[1])
    const [stoppedAt] = stopSteps(longDir)
    expect(stoppedAt).toBeGreaterThanOrEqual(10)
    expect(resumed.startStep).toBe(stoppedAt)
    expect(resumed.resumedFrom).toMatch(/step-|last/)
    // Same job (requeued in place), its second attempt appended to the same log.
    expect(readJob(dir, long.name)).toMatchObject({ jobId: firstJob, requeues: 1 })
    expect(readFileSync(logPath(dir, long.name), 'utf8')).toMatch(/restart 0[\s\S]*restart 1/)

    // Cancel it: scancel, and status says cancelled.
    await cancelSweep(workspace, sweep.id, [long.name])
    await waitFor('the cancelled job to end', async () => (await sweepStatus(workspace, sweep.id)).runs[0].state === 'cancelled')
    await waitFor('the cancelled run to write its checkpoint', () => stopSteps(longDir).length === 2)

    // Requeue after the cancel: a new job that continues from the second stop.
    await requeueSweep(workspace, sweep.id, [long.name])
    const job = readJob(dir, long.name)
    expect(job.jobId).not.toBe(firstJob)
    expect(job.previousJobs).toEqual([firstJob])
    const status = await waitFor(
      'both runs to finish',
      async () => {
        const s = await sweepStatus(workspace, sweep.id)
        return s.runs.every((r) => r.state === 'finished' || r.state === 'failed') && s
      },
      240_000
    )
    expect(status.runs.map((r) => [r.name, r.state, r.step])).toEqual([
      [long.name, 'finished', LONG_STEPS],
      [short.name, 'finished', SHORT_STEPS]
    ])
    expect(starts(longDir).map((s) => s.startStep)).toEqual([0, ...stopSteps(longDir)])

    // status and compare through the CLI; compare's figures are the stored reports'.
    const statusIo = capture()
    expect(await main(['sweep', 'status', sweep.id, '--out', workspace], statusIo)).toBe(0)
    expect(statusIo.out).toMatch(
      new RegExp(`${long.name}\\s+${LONG_STEPS}\\s+finished\\s+${LONG_STEPS}/${LONG_STEPS}\\s+${job.jobId}`)
    )
    const compareIo = capture()
    expect(await main(['sweep', 'compare', sweep.id, '--out', workspace, '--json'], compareIo)).toBe(0)
    const compared = JSON.parse(compareIo.out) as {
      far: string
      runs: { name: string; result: { auc: number; tenFold: number; tarAtFar: Record<string, number> } }[]
    }
    expect(compared.far).toBe('0.001')
    for (const row of compared.runs) {
      const report = JSON.parse(
        readFileSync(join(runDir(workspace, `${sweep.id}-${row.name}`), 'eval', 'test-fonts-test.json'), 'utf8')
      )
      expect(row.result.auc).toBe(report.auc)
      expect(row.result.tenFold).toBe(report.tenFold.mean)
      expect(row.result.tarAtFar['0.001']).toBe(report.tarAtFar['0.001'])
    }
    const table = capture()
    expect(await main(['sweep', 'compare', sweep.id, '--out', workspace], table)).toBe(0)
    expect(table.out.split('\n')[0]).toMatch(/^run\s+steps\s+AUC\s+TAR@FAR=0\.001\s+10-fold/)
    expect(table.out).toContain(compared.runs[0].result.auc.toFixed(4))
  })
})
