// tfjs-backend-wasm's Emscripten glue installs process-wide handlers that rethrow any uncaught
// exception or unhandled rejection; initBackend removes them once wasm has started. Checked in a
// child process, since the case under test is a process being killed.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const SCRIPT = `
import { initBackend } from './src/core/backend/index.ts'
const report = await initBackend({ force: 'wasm' })
const count = (event) => process.listeners(event).length
console.log('listeners', count('uncaughtException'), count('unhandledRejection'))
process.on('unhandledRejection', (reason) => console.log('handled:', reason.message))
Promise.reject(new Error('stray'))
setTimeout(async () => {
  const { tf } = await import('./src/core/tf.ts')
  const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()
  console.log('backend', report.choice, 'still computes', Array.from(sum).join(','))
}, 50)
`

describe('the wasm backend and process error handlers', () => {
  it('a stray rejection after wasm starts reaches the host handler and does not end the process', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      encoding: 'utf8',
      timeout: 60_000
    })
    expect(child.status, 'exit status').toBe(0)
    expect(child.stderr.includes('Error: stray'), 'the rejection was rethrown').toBe(false)
    expect(child.stdout).toContain('listeners 0 0')
    expect(child.stdout).toContain('handled: stray')
    expect(child.stdout).toContain('backend wasm still computes 4,6')
  })
})
