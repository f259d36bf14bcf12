// Where a command writes: injectable so tests can capture output without spawning a process.
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** True when stderr is an interactive terminal (progress bars redraw in place). */
  isTty: boolean
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY === true
}

/** An error whose message is meant for the user as is: printed without a stack trace. */
export class UsageError extends Error {}
