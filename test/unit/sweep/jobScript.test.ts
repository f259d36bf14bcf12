// The Slurm job script: options become #SBATCH lines (checked first), and the command line is
// quoted so bash hands the worker exactly the words it was given.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { jobScript, shellQuote, slurmOptionProblems } from '../../../src/services/sweeps/slurmScheduler'
import type { SweepRecord } from '../../../src/core/sweep/store'
import { presetConfig } from '../../../src/core/train/presets'

const sweep = (slurm: NonNullable<SweepRecord['scheduler']['slurm']>): SweepRecord => ({
  id: 's1',
  createdAt: '',
  base: presetConfig('fonts-quick'),
  plan: { mode: 'grid', axes: [] },
  scheduler: { kind: 'slurm', slurm },
  runs: []
})

describe('Slurm job script', () => {
  it('bash reads back every quoted word unchanged', () => {
    const words = ["it's", 'a b', '$HOME', '`id`', '"', '\\', '*', '']
    const echoed = execFileSync('bash', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' })
    expect(echoed.split('\n').slice(0, -1)).toEqual(words)
  })

  it('writes the options as #SBATCH lines and ends by exec-ing the worker', () => {
    const script = jobScript(
      sweep({ partition: 'gpu', time: '4:00:00', gpus: 2, cpusPerTask: 8, extra: ['--qos=long'] }),
      '/ws/sweeps/s1',
      'd-0.8',
      '/ws',
      { command: ['/usr/bin/node', 'cli.js'], cwd: '/opt/app' }
    )
    const lines = script.split('\n')
    expect(lines.filter((l) => l.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=s1-d-0.8',
      '#SBATCH --output=/ws/sweeps/s1/logs/d-0.8.out',
      '#SBATCH --open-mode=append',
      '#SBATCH --requeue',
      '#SBATCH --chdir=/opt/app',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=4:00:00',
      '#SBATCH --gres=gpu:2',
      '#SBATCH --cpus-per-task=8',
      '#SBATCH --qos=long'
    ])
    expect(lines.at(-2)).toBe("exec '/usr/bin/node' 'cli.js' 'sweep' 'worker' '--out' '/ws' '--sweep' 's1' '--run' 'd-0.8'")
  })

  it('refuses options that would not be one #SBATCH option, naming them', () => {
    expect(
      slurmOptionProblems({ partition: 'gpu; rm', time: 'soon', gpus: 1.5, extra: ['--qos=long\n#SBATCH --x', 'qos=long'] })
    ).toEqual([
      'partition "gpu; rm" may only hold letters, digits and . , _ -',
      'time limit "soon" is not a Slurm time (minutes, HH:MM:SS or D-HH:MM:SS)',
      'GPUs per job must be a whole number ≥ 0, got 1.5',
      'extra #SBATCH line "--qos=long\n#SBATCH --x" must be one option such as --qos=long or --account=lab',
      'extra #SBATCH line "qos=long" must be one option such as --qos=long or --account=lab'
    ])
    expect(() => jobScript(sweep({}), '/my ws/sweeps/s1', 'r', '/my ws', { command: ['node'], cwd: '/opt' })).toThrow(
      /holds a blank/
    )
  })
})
