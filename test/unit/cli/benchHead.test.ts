// `bench head` on tiny sizes: every head runs, the figures it reports follow from the sizes
// (rows per step, state bytes, Softmax's own ratio), and cells are skipped with a reason.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { main } from '../../../src/cli/cli'
import type { CliIo } from '../../../src/cli/io'
import { headBenchOptions, runHeadBench } from '../../../src/cli/commands/benchHead'

function capture(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', isTty: false, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) }
  return io
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('bench head', () => {
  it('measures every head with figures consistent with the sizes', async () => {
    const io = capture()
    const options = headBenchOptions(['--classes', '64,512', '--dims', '8', '--batch', '4', '--steps', '1', '--warmup', '0'])
    const cells = await runHeadBench(options, io)
    expect(cells).toHaveLength(2 * options.variants.length)
    for (const cell of cells) {
      expect(cell.status, `${cell.head} at ${cell.classes}: ${cell.reason}`).toBe('ok')
      expect(cell.medianStepMs).toBeGreaterThan(0)
      expect(cell.bytesPerIdentity).toBeCloseTo(cell.stateBytes / cell.classes, 10)
      if (cell.loss === 'softmax') expect(cell.speedupVsSoftmax).toBe(1)
      if (cell.loss === 'softmax' || cell.loss === 'arcface' || cell.loss === 'dsoftmax') expect(cell.rowsPerStep).toBe(cell.classes)
      if (cell.loss === 'dsoftmax-b') expect(cell.rowsPerStep).toBeLessThanOrEqual(4)
    }
    const k8 = cells.find((c) => c.head === 'D-Softmax-K 1/8' && c.classes === 512)
    // 64 sampled negatives plus at most 4 labels outside the sample.
    expect(k8?.rowsPerStep).toBeGreaterThanOrEqual(64)
    expect(k8?.rowsPerStep).toBeLessThanOrEqual(68)
    expect(cells.find((c) => c.head === 'Softmax' && c.classes === 512)?.stateBytes).toBe(512 * 8 * 4 * 2 + 512 * 4 * 2)
    expect(cells.find((c) => c.head === 'D-Softmax-K 1/64 f16' && c.classes === 512)?.stateBytes).toBe(512 * (2 * 8 * 2 + 4))
    expect(io.out).toContain('64 classes × 8-D, batch 4')
    expect(io.out).toMatch(/D-Softmax-K 1\/64 +[0-9.]+ ms\/step +[0-9.]+× Softmax/)
  })

  it('skips dense cells that would not fit the wasm heap or would take too long, and says why', async () => {
    const io = capture()
    const tooBig = await runHeadBench(headBenchOptions(['--classes', '10000000', '--dims', '512', '--heads', 'softmax']), io)
    expect(tooBig[0].status).toBe('skipped')
    expect(tooBig[0].reason).toMatch(/needs ≈ 324\.2 GiB of tf memory; the wasm heap stops at 4 GiB/)
    const slow = await runHeadBench(headBenchOptions(['--classes', '64,4096', '--dims', '8', '--batch', '4', '--steps', '1', '--heads', 'softmax,dsoftmax-b', '--max-step-seconds', '0.000001']), io)
    expect(slow.map((c) => `${c.head}@${c.classes}:${c.status}`)).toEqual(['Softmax@64:ok', 'D-Softmax-B@64:ok', 'Softmax@4096:skipped', 'D-Softmax-B@4096:skipped'])
    expect(slow[2].reason).toMatch(/^predicted .* from 64 classes, over --max-step-seconds/)
    // Without Softmax at the same size there is no ratio.
    const alone = await runHeadBench(headBenchOptions(['--classes', '64', '--dims', '8', '--batch', '4', '--steps', '1', '--heads', 'dsoftmax-b']), io)
    expect(alone[0].status).toBe('ok')
    expect(alone[0].speedupVsSoftmax).toBeUndefined()
    expect(io.out).toContain('no Softmax to compare')
    expect(io.out).toContain('Softmax               skipped: predicted')
  })

  it('rejects bad options through the CLI', async () => {
    const io = capture()
    expect(await main(['bench', 'head', '--rates', '2'], io)).toBe(2)
    expect(io.err).toContain('--rates are fractions of the classes, at most 1')
    expect(await main(['bench', 'head', '--classes', 'ten'], io)).toBe(2)
    expect(io.err).toContain('--classes takes positive numbers')
    expect(await main(['bench', 'nope'], io)).toBe(2)
    expect(io.err).toContain('unknown benchmark group "nope"; available: train, ')
  })
})
