import { createRequire } from 'node:module'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { tf } from '../../../src/core/tf'
import { describeBackend, initBackend } from '../../../src/core/backend'

const require = createRequire(import.meta.url)
function installed(name: string): boolean {
  try {
    require.resolve(name)
    return true
  } catch {
    return false
  }
}
const hasNode = installed('@tensorflow/tfjs-node')
const hasNodeGpu = installed('@tensorflow/tfjs-node-gpu')

afterEach(() => {
  vi.restoreAllMocks()
})

describe('initBackend', () => {
  it('picks the fastest available backend and says why the others were passed over', async () => {
    const lines: string[] = []
    const report = await initBackend({ log: (l) => lines.push(l) })
    expect(report.forced).toBe(false)
    expect(report.tfBackend).toBe(tf.getBackend())
    expect(report.versions['tfjs-core']).toBe(tf.version_core)
    if (!hasNode && !hasNodeGpu) {
      expect(report.choice).toBe('wasm')
      expect(report.tfBackend).toBe('wasm')
      expect(report.simd).toBeTypeOf('boolean')
      expect(report.threads).toBeGreaterThanOrEqual(1)
      // No GPU on these machines: webgpu finds no adapter, or only a software one, which
      // automatic selection never takes.
      expect(report.rejected).toEqual([
        { choice: 'node-gpu', reason: 'not installed' },
        { choice: 'webgpu', reason: expect.stringMatching(/^(no GPU adapter|only a software adapter)/) },
        { choice: 'node', reason: 'not installed' }
      ])
      expect(report.reason).toContain('node: not installed')
    }
    for (const r of report.rejected) expect(r.reason.length).toBeGreaterThan(0)
    expect(lines.length).toBe(report.rejected.length + 1)
    const text = describeBackend(report)
    expect(text).toContain(report.choice)
    for (const r of report.rejected) expect(text).toContain(r.reason)
  })

  it('force cpu chooses cpu', async () => {
    const report = await initBackend({ force: 'cpu' })
    expect(report).toMatchObject({ choice: 'cpu', tfBackend: 'cpu', forced: true, rejected: [] })
    expect(tf.getBackend()).toBe('cpu')
  })

  it('force node: uses tfjs-node where installed, otherwise a clear error (no silent fallback)', async () => {
    if (hasNode) {
      const report = await initBackend({ force: 'node' })
      expect(report).toMatchObject({ choice: 'node', tfBackend: 'tensorflow' })
    } else {
      const before = tf.getBackend()
      await expect(initBackend({ force: 'node' })).rejects.toThrow(
        "Backend 'node' (@tensorflow/tfjs-node) is not available: not installed"
      )
      expect(tf.getBackend()).toBe(before)
    }
  })

  it.skipIf(hasNodeGpu)('force node-gpu without the package is an error', async () => {
    await expect(initBackend({ force: 'node-gpu' })).rejects.toThrow(/node-gpu.*not installed/)
  })

  it('rejects an unknown choice', async () => {
    await expect(initBackend({ force: 'tpu' as never })).rejects.toThrow(/Unknown backend 'tpu'/)
  })

  it('keeps tfjs quiet (no "install tfjs-node" banner)', async () => {
    const spies = [vi.spyOn(console, 'warn'), vi.spyOn(console, 'log')]
    await initBackend({ force: 'cpu' })
    tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).dataSync())
    await initBackend({ force: 'wasm' })
    tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).dataSync())
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
  })
})
