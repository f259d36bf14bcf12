// How a scheduler starts the headless CLI on the machine that trains: the same Node binary and
// the CLI of this checkout (src/cli/index.ts through tsx). On a cluster the checkout and its
// node_modules sit on shared storage at the same path on the login node and the compute nodes
// (README "Running on a cluster"); a sweep may name another command in its scheduler spec.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'
import { SweepError } from '../../core/sweep/errors'

export interface CliLauncher {
  /** The program and its first arguments; the CLI's own arguments follow. */
  command: string[]
  /** Working folder (tsx is resolved from its node_modules). */
  cwd: string
}

/**
 * The checkout this code runs from: the nearest folder above it holding src/cli/index.ts (this
 * file sits in src/services/sweeps from source, in out/main when bundled).
 */
function checkoutRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'src', 'cli', 'index.ts')) && existsSync(resolve(dir, 'node_modules', 'tsx'))) return dir
    if (dirname(dir) === dir) {
      throw new SweepError(
        `sweeps run the headless CLI of a source checkout (src/cli/index.ts with its node_modules), and none holds ${from}: install from the repository (README "Running on a cluster")`
      )
    }
  }
}

export function defaultCliLauncher(): CliLauncher {
  const appRoot = checkoutRoot(dirname(fileURLToPath(import.meta.url)))
  // Inside Electron the process's binary is Electron itself: the workers use the `node` on PATH.
  const node = process.versions.electron ? 'node' : process.execPath
  return { command: [node, '--import', 'tsx', resolve(appRoot, 'src', 'cli', 'index.ts')], cwd: appRoot }
}

/** The CLI arguments that train one run of a sweep (resuming it when its run folder exists). */
export function workerArgs(workspace: string, sweepId: string, run: string): string[] {
  return ['sweep', 'worker', '--out', workspace, '--sweep', sweepId, '--run', run]
}
