// Reading Slurm's clients. The fixtures are real output of Slurm 22.05 (Debian 12's slurm-wlm) on
// the one-node cluster scripts/slurm-local.sh starts: a job running after a requeue, completed,
// failed (exit 3), cancelled, held by a begin time, and sacct on a cluster without accounting.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  isAccountingDisabled,
  isActiveState,
  parseSacct,
  parseScontrolFields,
  parseScontrolJob,
  parseSqueue
} from '../../../src/core/sweep/slurmOutput'
import { runProgress } from '../../../src/core/sweep/status'
import type { JobRecord } from '../../../src/core/sweep/store'
import type { RunRecord } from '../../../src/core/train/runs'

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')

describe('Slurm output', () => {
  it('squeue --format=%i|%T|%r: one job a line, reason None dropped', () => {
    expect(parseSqueue(fixture('squeue.txt'))).toEqual([
      { jobId: '4', state: 'CANCELLED' },
      { jobId: '2', state: 'COMPLETED' },
      { jobId: '3', state: 'FAILED', reason: 'NonZeroExitCode' },
      { jobId: '5', state: 'PENDING', reason: 'BeginTime' },
      { jobId: '1', state: 'RUNNING' }
    ])
    expect(() => parseSqueue('garbage\n')).toThrow(/unexpected squeue line/)
  })

  it('scontrol -o show job: state, reason, exit code and restarts', () => {
    expect(parseScontrolJob(fixture('scontrol-running-restarted.txt'))).toEqual({
      jobId: '1',
      state: 'RUNNING',
      exitCode: '0:0',
      restarts: 1
    })
    expect(parseScontrolJob(fixture('scontrol-completed.txt'))).toEqual({
      jobId: '2',
      state: 'COMPLETED',
      exitCode: '0:0',
      restarts: 0
    })
    expect(parseScontrolJob(fixture('scontrol-failed.txt'))).toEqual({
      jobId: '3',
      state: 'FAILED',
      reason: 'NonZeroExitCode',
      exitCode: '3:0',
      restarts: 0
    })
    expect(parseScontrolJob(fixture('scontrol-cancelled.txt'))).toMatchObject({ jobId: '4', state: 'CANCELLED' })
    expect(parseScontrolJob(fixture('scontrol-pending-begintime.txt'))).toMatchObject({
      jobId: '5',
      state: 'PENDING',
      reason: 'BeginTime'
    })
    // Keys with slashes and colons, and an empty value, stay whole.
    const fields = parseScontrolFields(fixture('scontrol-running-restarted.txt'))
    expect(fields['AllocNode:Sid']).toBe('localhost:14651')
    expect(fields['CPUs/Task']).toBe('1')
    expect(fields['ReqB:S:C:T']).toBe('0:0:*:*')
    expect(fields.Power).toBe('')
    expect(fields.StdOut).toBe('/tmp/sl-1.out')
    // A value holding blanks and '=' (a command line) is not split at them.
    expect(parseScontrolFields('JobId=9 Command=/bin/run --x=1 two JobState=RUNNING')).toEqual({
      JobId: '9',
      Command: '/bin/run --x=1 two',
      JobState: 'RUNNING'
    })
    expect(() => parseScontrolJob(fixture('scontrol-unknown.txt'))).toThrow(/no JobId/)
  })

  it('sacct: recognises a cluster without accounting; keeps jobs, not their steps', () => {
    expect(isAccountingDisabled(fixture('sacct-disabled.txt'))).toBe(true)
    expect(isAccountingDisabled(fixture('scontrol-unknown.txt'))).toBe(false)
    // This cluster keeps no accounting to capture from: the documented --parsable2 layout.
    const text = '12|COMPLETED|0:0\n12.batch|COMPLETED|0:0\n12.extern|COMPLETED|0:0\n13|CANCELLED by 0|0:15\n14|TIMEOUT|0:0\n'
    expect(parseSacct(text)).toEqual([
      { jobId: '12', state: 'COMPLETED', exitCode: '0:0' },
      { jobId: '13', state: 'CANCELLED', exitCode: '0:15' },
      { jobId: '14', state: 'TIMEOUT', exitCode: '0:0' }
    ])
  })

  it('active states are the ones a job has not ended in', () => {
    expect(parseSqueue(fixture('squeue.txt')).map((j) => [j.jobId, isActiveState(j.state)])).toEqual([
      ['4', false],
      ['2', false],
      ['3', false],
      ['5', true],
      ['1', true]
    ])
  })
})

describe('runProgress', () => {
  const job = (state: JobRecord['state']): JobRecord => ({
    run: 'r',
    state,
    jobId: '7',
    requeues: 0,
    previousJobs: [],
    updatedAt: ''
  })
  const run = (status: RunRecord['status'], message?: string): RunRecord => ({
    id: 'x',
    name: 'x',
    tags: [],
    status,
    step: 5,
    totalSteps: 10,
    createdAt: '',
    updatedAt: '',
    ...(message ? { message } : {})
  })

  it('the scheduler says whether a job waits or runs; the run folder how it ended', () => {
    expect(runProgress(job('queued'), undefined, undefined)).toEqual({ state: 'queued' })
    expect(runProgress(job('submitted'), { jobId: '7', state: 'PENDING', reason: 'Priority' }, undefined)).toEqual({
      state: 'pending',
      message: 'waiting: Priority'
    })
    expect(runProgress(job('submitted'), { jobId: '7', state: 'RUNNING' }, run('running'))).toEqual({
      state: 'running',
      step: 5,
      totalSteps: 10
    })
    expect(runProgress(job('submitted'), undefined, run('finished')).state).toBe('finished')
    expect(runProgress(job('submitted'), { jobId: '7', state: 'COMPLETED' }, run('failed', 'NaN at step 5'))).toEqual({
      state: 'failed',
      step: 5,
      totalSteps: 10,
      message: 'NaN at step 5'
    })
    expect(runProgress(job('submitted'), { jobId: '7', state: 'TIMEOUT' }, run('stopped')).message).toMatch(/ended TIMEOUT/)
    expect(runProgress(job('submitted'), { jobId: '7', state: 'CANCELLED' }, run('stopped')).state).toBe('cancelled')
    expect(runProgress(job('cancelled'), undefined, run('stopped')).state).toBe('cancelled')
    // A finished run stays finished even if a cancel came after it.
    expect(runProgress(job('cancelled'), undefined, run('finished')).state).toBe('finished')
    // Forgotten by the scheduler (no accounting) and never started: the job log explains.
    expect(runProgress(job('submitted'), undefined, undefined)).toEqual({
      state: 'failed',
      message: 'the job ended before its run started; see the job log'
    })
    expect(runProgress(job('submitted'), undefined, run('interrupted')).state).toBe('stopped')
  })
})
