// The Electron launcher with Electron's utilityProcess replaced at the module boundary: the fake
// forks the real trainer entry under Node and gives it a `process.parentPort` shaped like
// Electron's, so the entry's utility-process path (not process.send) carries every message.
import { afterAll, describe, expect, it } from 'vitest'
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createTrainerService, type UtilityChild, type UtilityProcessApi } from '../../src/main/services/trainer'
import { trainerEntryPath } from '../../src/core/train/process/fork'
import { presetConfig } from '../../src/core/train/presets'
import { readRunRecord } from '../../src/core/train/runs'
import type { RunEvent } from '../../src/common/trainer'

const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-electron-'))
const workspace = join(dir, 'workspace')
// Electron's parentPort: postMessage(message) out, 'message' events carrying { data } in.
const shim = join(dir, 'parent-port.mjs')
writeFileSync(
  shim,
  `process.parentPort = {
  postMessage: (message) => process.send({ viaParentPort: message }),
  on: (event, listener) => process.on(event, (data) => listener({ data }))
}
`
)
const children: ReturnType<typeof fork>[] = []
afterAll(() => {
  children.forEach((c) => c.kill('SIGKILL'))
  rmSync(dir, { recursive: true, force: true })
})

const forks: { modulePath: string; serviceName?: string }[] = []
const rawMessages: unknown[] = []
const fakeUtility: UtilityProcessApi = {
  fork(modulePath, args, options) {
    forks.push({ modulePath, serviceName: options?.serviceName })
    const child = fork(modulePath, args ?? [], {
      execArgv: ['--import', 'tsx', '--import', pathToFileURL(shim).href],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    })
    children.push(child)
    const utilityChild: UtilityChild = {
      get pid() {
        return child.pid
      },
      postMessage: (message) => child.send(message as object),
      on(event: 'message' | 'exit', listener: ((message: unknown) => void) | ((code: number) => void)) {
        if (event === 'message') {
          child.on('message', (raw) => {
            rawMessages.push(raw)
            ;(listener as (message: unknown) => void)((raw as { viaParentPort?: unknown }).viaParentPort)
          })
        } else child.on('exit', (code, signal) => (listener as (code: number) => void)(code ?? (signal ? 1 : 0)))
        return utilityChild
      },
      kill: () => child.kill()
    }
    return utilityChild
  }
}

describe('Electron trainer service (utilityProcess replaced)', () => {
  const service = createTrainerService({ utility: fakeUtility, modulePath: trainerEntryPath(), workspace })
  const events: RunEvent[] = []
  service.onEvent((event) => events.push(event))

  it('reports a failure a person can act on (unknown run) and forgets the finished trainer', async () => {
    const host = service.start({ resumeRun: 'no-such-run' })
    expect(service.active.has(host)).toBe(true)
    const end = await host.done
    expect(end.type).toBe('failed')
    expect(end.type === 'failed' && end.message).toBe(`no run "no-such-run" in ${join(workspace, 'runs')}`)
    expect(forks[0]).toEqual({ modulePath: trainerEntryPath(), serviceName: 'D-Softmax Studio trainer' })
    // Every message came through the parentPort path.
    expect(rawMessages.length).toBeGreaterThan(0)
    expect(rawMessages.every((m) => typeof m === 'object' && m !== null && 'viaParentPort' in m)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(service.active.size).toBe(0)
  })

  it('stopAll (app quitting) stops a running trainer after its step with a checkpoint', async () => {
    const config = { ...presetConfig('fonts-quick'), batchSize: 16, steps: 500, replicas: 1, validateEvery: 0 }
    const host = service.start({ config: config })
    const off = service.onEvent((event) => {
      if (event.type === 'progress' && event.step === 2) service.stopAll()
    })
    const end = await host.done
    off()
    expect(end).toMatchObject({ type: 'finished', stopped: true })
    const runDir = (end as { runDir: string }).runDir
    expect(events.some((e) => e.type === 'checkpoint' && e.reason === 'stop')).toBe(true)
    expect(readRunRecord(runDir).status).toBe('stopped')
  })
})
