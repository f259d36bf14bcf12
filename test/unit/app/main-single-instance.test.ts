/** A second instance of the app (the lock is taken) quits at once and opens no window. */
import { describe, expect, it, vi } from 'vitest'

const fake = vi.hoisted(() => {
  const state = { quit: 0, windows: 0, ready: 0 }
  const app = {
    isPackaged: true,
    requestSingleInstanceLock: () => false,
    quit: () => void state.quit++,
    whenReady: () => {
      state.ready++
      return new Promise<void>(() => {})
    },
    on: () => app
  }
  class BrowserWindow {
    constructor() {
      state.windows++
    }
  }
  return { state, electron: { app, BrowserWindow, ipcMain: { handle() {}, removeHandler() {} } } }
})

vi.mock('electron', () => fake.electron)
vi.mock('../../../src/main/services/trainerEntry', () => ({ trainerModulePath: '/fake/trainerProcess.js' }))

describe('single-instance lock', () => {
  it('quits without a window when another instance holds the lock', async () => {
    await import('../../../src/main/index')
    expect(fake.state.quit).toBe(1)
    expect(fake.state.ready).toBe(0)
    expect(fake.state.windows).toBe(0)
  })
})
