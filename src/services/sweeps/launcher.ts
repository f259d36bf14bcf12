// How a scheduler starts the headless CLI on the machine that trains: the same Node binary and
// the CLI of this checkout (src/cli/index.ts through tsx). On a cluster the checkout and its
// node_modules sit on shared storage at the same path on the login node and the compute nodes
// (README "Running on a cluster"); a sweep may name another command in its scheduler spec.
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'

export interface CliLauncher {
  /** The program and its first arguments; the CLI's own arguments follow. */
  command: string[]
  /** Working folder (tsx is resolved from its node_modules). */
  cwd: string
}

export function defaultCliLauncher(): CliLauncher {
  const here = dirname(fileURLToPath(import.meta.url))
  const appRoot = resolve(here, '..', '..', '..')
  return { command: [process.execPath, '--import', 'tsx', resolve(appRoot, 'src', 'cli', 'index.ts')], cwd: appRoot }
}

/** The CLI arguments that train one run of a sweep (resuming it when its run folder exists). */
export function workerArgs(workspace: string, sweepId: string, run: string): string[] {
  return ['sweep', 'worker', '--out', workspace, '--sweep', sweepId, '--run', run]
}
