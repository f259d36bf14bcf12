// The one-node Slurm cluster the sweep tests submit to. A cluster that already answers (CI's
// .ci/run, a developer's) is used as it is; otherwise, as root, scripts/slurm-local.sh starts
// one and the test stops it afterwards. In CI a missing Slurm fails the file instead of skipping.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'slurm-local.sh')

function answers(): boolean {
  try {
    return /\b(idle|mix|alloc)\b/.test(
      execFileSync('sinfo', ['--noheader', '--format=%t'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000
      })
    )
  } catch {
    return false
  }
}

function installed(): boolean {
  try {
    execFileSync('sbatch', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export interface SlurmCluster {
  available: boolean
  /** Stops the daemons if this file started them. */
  release(): void
}

export function useLocalSlurm(file: string): SlurmCluster {
  const unavailable = (why: string): SlurmCluster => {
    if (process.env.CI) throw new Error(`${file}: the Slurm tests must run in CI, but ${why}`)
    console.warn(`[slurm] SKIPPED ${file}: ${why}`)
    return { available: false, release: () => {} }
  }
  if (!installed()) return unavailable('sbatch is missing (apt-get install slurm-wlm munge, as .ci/run does)')
  if (answers()) return { available: true, release: () => {} }
  if (process.getuid?.() !== 0)
    return unavailable('no Slurm cluster answers and starting one (scripts/slurm-local.sh start) needs root')
  execFileSync(SCRIPT, ['start'], { stdio: 'inherit', timeout: 60_000 })
  return { available: true, release: () => execFileSync(SCRIPT, ['stop'], { stdio: 'inherit', timeout: 60_000 }) }
}
