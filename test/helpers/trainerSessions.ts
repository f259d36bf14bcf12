// Real trainer processes (child_process.fork) for integration tests, in a temporary workspace,
// each with its events recorded; close() kills any still running and removes the workspace.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { forkTrainer } from '../../src/core/train/process/fork'
import { TrainerHost, type TerminalEvent } from '../../src/core/train/process/host'
import type { RunEvent, ProgressEvent } from '../../src/common/trainer'

export interface TrainerSession {
  host: TrainerHost
  events: RunEvent[]
  end: Promise<TerminalEvent>
}

export interface TrainerSessions {
  workspace: string
  /** Starts a trainer (it inherits this process's environment); `onEvent` may steer it. */
  launch(start: Parameters<TrainerHost['start']>[0], onEvent?: (event: RunEvent, host: TrainerHost) => void): TrainerSession
  close(): void
}

export function trainerSessions(prefix: string): TrainerSessions {
  const workspace = mkdtempSync(join(tmpdir(), prefix))
  const hosts: TrainerHost[] = []
  return {
    workspace,
    launch(start, onEvent = () => {}) {
      const host = new TrainerHost(forkTrainer(), workspace)
      hosts.push(host)
      const events: RunEvent[] = []
      host.on((event) => {
        events.push(event)
        onEvent(event, host)
      })
      host.start(start)
      return { host, events, end: host.done }
    },
    close() {
      // A failed test must not leave a trainer behind.
      hosts.forEach((host) => host.kill('SIGKILL'))
      rmSync(workspace, { recursive: true, force: true })
    }
  }
}

export const progressEvents = (events: RunEvent[]): ProgressEvent[] =>
  events.filter((e): e is ProgressEvent => e.type === 'progress')
