// The Node launcher: the trainer process through child_process.fork (CLI, web host, tests).
// Run from .ts sources (tsx, vitest) the child loads tsx first.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TrainerChannel } from './host'

export function trainerEntryPath(): string {
  const fromSource = import.meta.url.endsWith('.ts')
  return fileURLToPath(new URL(fromSource ? './trainerProcess.ts' : './trainerProcess.js', import.meta.url))
}

export function forkTrainer(options: { env?: NodeJS.ProcessEnv } = {}): TrainerChannel {
  const entry = trainerEntryPath()
  const child = fork(entry, [], {
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  const outputListeners: ((text: string) => void)[] = []
  const relay = (chunk: Buffer): void => outputListeners.forEach((l) => l(chunk.toString()))
  child.stdout?.on('data', relay)
  child.stderr?.on('data', relay)
  return {
    get pid() {
      return child.pid
    },
    send: (command) => {
      if (child.connected) child.send(command)
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code, signal) => listener(code, signal)),
    onOutput: (listener) => outputListeners.push(listener),
    kill: (signal) => child.kill(signal)
  }
}
