// The trainer process's entry. Started by Electron's utilityProcess (messages through
// process.parentPort) or by Node's child_process.fork (process.send); one protocol either way
// (src/common/trainer.ts). Runs one session, then exits. If its host goes away it stops after the
// current step, writes a checkpoint and exits, so the run stays resumable.
import { receive } from '../../../common/messages'
import { trainerCommandSchema, type StartCommand, type TrainerProcessEvent } from '../../../common/trainer'
import { runSession } from '../session'

interface ElectronParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): void
}

interface HostPort {
  post(event: TrainerProcessEvent): Promise<void>
  onCommand(listener: (command: unknown) => void): void
  onHostGone(listener: () => void): void
}

function hostPort(): HostPort {
  const electron = (process as unknown as { parentPort?: ElectronParentPort }).parentPort
  if (electron) {
    return {
      post: async (event) => electron.postMessage(event),
      onCommand: (listener) => electron.on('message', (event) => listener(event.data)),
      onHostGone: () => {}
    }
  }
  const send = process.send?.bind(process)
  if (!send) throw new Error('the trainer process must be started by a host (Electron utilityProcess or child_process.fork)')
  return {
    post: (event) =>
      new Promise((resolve) => (process.connected ? send(event, undefined, undefined, () => resolve()) : resolve())),
    onCommand: (listener) => process.on('message', listener),
    onHostGone: (listener) => process.on('disconnect', listener)
  }
}

function serve(): void {
  const port = hostPort()
  let started = false
  let stopRequested = false
  let pause: { promise: Promise<void>; release: () => void } | null = null
  const stop = (): void => {
    stopRequested = true
    pause?.release()
  }
  const emit = (event: TrainerProcessEvent): void => void port.post(event)

  const start = async (command: StartCommand): Promise<void> => {
    const events: Promise<void>[] = []
    await runSession(
      'resumeRun' in command
        ? { workspace: command.workspace, resumeRun: command.resumeRun, backend: command.backend }
        : { workspace: command.workspace, runId: command.runId, config: command.config, backend: command.backend },
      (event) => events.push(port.post(event)),
      { shouldStop: () => stopRequested, gate: () => pause?.promise }
    )
    await Promise.all(events)
    process.exit(0)
  }

  port.onCommand((message) => {
    const received = receive('command', trainerCommandSchema, message)
    if (!received.ok) {
      emit({ type: 'warning', message: `ignored a ${received.error}` })
      return
    }
    const command = received.value
    switch (command.type) {
      case 'start':
        if (started) {
          emit({ type: 'warning', message: 'this trainer process already runs a session; start another process' })
          return
        }
        started = true
        void start(command)
        break
      case 'pause':
        if (!pause) {
          let release = (): void => {}
          const promise = new Promise<void>((resolve) => (release = resolve))
          pause = { promise, release: () => ((pause = null), release()) }
        }
        break
      case 'resume':
        pause?.release()
        break
      case 'stop':
        stop()
        break
    }
  })
  port.onHostGone(() => {
    if (!started) process.exit(0)
    stop()
  })
  process.on('SIGTERM', () => (started ? stop() : process.exit(0)))
  emit({ type: 'ready', pid: process.pid })
}

serve()
