// Every Slurm client command goes through here: argument arrays (execFile, no shell), a time
// limit, and errors that say which command failed and how (missing from PATH, or its exit status
// and stderr). Slurm's own messages are kept: they are what a cluster admin recognises.
import { execFile } from 'node:child_process'

export const SLURM_COMMANDS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sacct', 'sinfo'] as const
export type SlurmCommand = (typeof SLURM_COMMANDS)[number]

export class SlurmCommandError extends Error {
  override name = 'SlurmCommandError'
  constructor(
    message: string,
    readonly command: SlurmCommand,
    /** Exit status, or null when the command did not run (missing, timed out). */
    readonly exitCode: number | null,
    readonly stderr: string
  ) {
    super(message)
  }
}

export interface SlurmResult {
  stdout: string
  stderr: string
}

/** Runs a Slurm client; `timeoutMs` guards against a controller that does not answer. */
export function runSlurm(
  command: SlurmCommand,
  args: readonly string[],
  options: { timeoutMs?: number } = {}
): Promise<SlurmResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 2 ** 20, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr })
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT') {
          return reject(
            new SlurmCommandError(
              `${command} is not installed or not on PATH: run sweeps with --scheduler slurm on a machine with the Slurm client commands (a cluster's login node)`,
              command,
              null,
              ''
            )
          )
        }
        const exit = typeof code === 'number' ? code : null
        const how = error.killed
          ? `did not answer within ${(options.timeoutMs ?? 30_000) / 1000} s`
          : `failed (exit status ${exit ?? 'unknown'})`
        const detail = stderr.trim() || stdout.trim() || error.message
        reject(new SlurmCommandError(`${command} ${args.join(' ')} ${how}: ${detail}`, command, exit, stderr))
      }
    )
  })
}
