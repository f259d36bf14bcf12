// Where a command writes: injectable so tests can capture output without spawning a process.
import { printable } from './terminal'

export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** True when stderr is an interactive terminal (progress bars redraw in place). */
  isTty: boolean
}

/** The terminal: everything written is made printable (src/cli/terminal.ts says why). */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(printable(text)),
  stderr: (text) => process.stderr.write(printable(text)),
  isTty: process.stderr.isTTY === true
}

/** An error whose message is meant for the user as is: printed without a stack trace. */
export class UsageError extends Error {}
