// `bench head` on tiny sizes: every head runs, the figures it reports follow from the sizes
// (rows per step, state bytes, Softmax's own ratio), and cells are skipped with a reason.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { main } from '../../../src/cli/cli'
import type { CliIo } from '../../../src/cli/io'
import {
  DEFAULT_VARIANTS,
  HEADLINE,
  headBenchOptions,
  measureCellInProcess,
  runHeadBench
} from '../../../src/cli/commands/benchHead'

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s)
  }
  return io
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

describe('bench head', () => {
  it('measures every head with figures consistent with the sizes', async () => {
    const io = capture()
    const options = headBenchOptions([
      '--classes',
      '64,512',
      '--dims',
      '8',
      '--batch',
      '4',
      '--steps',
      '1',
      '--warmup',
      '0',
      '--inline'
    ])
    const cells = await runHeadBench(options, io)
    expect(cells).toHaveLength(2 * options.variants.length)
    for (const cell of cells) {
      expect(cell.status, `${cell.head} at ${cell.classes}: ${cell.reason}`).toBe('ok')
      expect(cell.medianStepMs).toBeGreaterThan(0)
      expect(cell.bytesPerIdentity).toBeCloseTo(cell.stateBytes / cell.classes, 10)
      if (cell.loss === 'softmax') expect(cell.speedupVsSoftmax).toBe(1)
      if (cell.loss === 'softmax' || cell.loss === 'arcface' || cell.loss === 'dsoftmax')
        expect(cell.rowsPerStep).toBe(cell.classes)
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
    expect(tooBig[0].reason).toMatch(/needs ≈ 171\.7 GiB of tf memory; the wasm heap stops at 4 GiB/)
    const slow = await runHeadBench(
      headBenchOptions([
        '--classes',
        '64,4096',
        '--dims',
        '8',
        '--batch',
        '4',
        '--steps',
        '1',
        '--heads',
        'softmax,dsoftmax-b',
        '--max-step-seconds',
        '0.000001',
        '--inline'
      ]),
      io
    )
    expect(slow.map((c) => `${c.head}@${c.classes}:${c.status}`)).toEqual([
      'Softmax@64:ok',
      'D-Softmax-B@64:ok',
      'Softmax@4096:skipped',
      'D-Softmax-B@4096:skipped'
    ])
    expect(slow[2].reason).toMatch(/^predicted .* from 64 classes, over --max-step-seconds/)
    // Without Softmax at the same size there is no ratio.
    const alone = await runHeadBench(
      headBenchOptions(['--classes', '64', '--dims', '8', '--batch', '4', '--steps', '1', '--heads', 'dsoftmax-b', '--inline']),
      io
    )
    expect(alone[0].status).toBe('ok')
    expect(alone[0].speedupVsSoftmax).toBeUndefined()
    expect(io.out).toContain('no Softmax to compare')
    expect(io.out).toContain('Softmax               skipped: predicted')
  })

  it('measures each cell in a process of its own by default, and a cell whose process dies says why', async () => {
    const io = capture()
    const cells = await runHeadBench(
      headBenchOptions([
        '--classes',
        '64',
        '--dims',
        '8',
        '--batch',
        '4',
        '--steps',
        '1',
        '--warmup',
        '0',
        '--heads',
        'softmax,D-Softmax-K 1/64'
      ]),
      io
    )
    expect(cells.map((c) => `${c.head}:${c.status}`)).toEqual(['Softmax:ok', 'D-Softmax-K 1/64:ok'])
    expect(cells[1].speedupVsSoftmax).toBeCloseTo((cells[0].medianStepMs as number) / (cells[1].medianStepMs as number), 10)
    expect(cells[1].rowsPerStep).toBeLessThanOrEqual(1 + 4)
    // A dense head far past the 4 GiB wasm heap: its process fails (a thrown error or an abort) and
    // the reason comes back instead of ending this process.
    const dead = await measureCellInProcess({
      variant: DEFAULT_VARIANTS[0],
      classes: 2 ** 27,
      dim: 64,
      batch: 4,
      steps: 1,
      warmup: 0,
      backend: 'wasm'
    })
    expect('reason' in dead && dead.reason.length).toBeGreaterThan(10)
    const unknown = await measureCellInProcess({
      variant: { label: 'nope', loss: 'nope' as 'softmax' },
      classes: 64,
      dim: 8,
      batch: 4,
      steps: 1,
      warmup: 0,
      backend: 'wasm'
    })
    expect('reason' in unknown && unknown.reason).toMatch(/nope/)
  })

  it('quick and full records always carry the 100k × 512 D-Softmax-K 1/64 cell and its Softmax baseline', () => {
    for (const argv of [['--quick'], []]) {
      const options = headBenchOptions(argv)
      expect(options.extraCells.map((c) => `${c.variant.label}@${c.classes}×${c.dim}`)).toEqual(
        HEADLINE.heads.map((h) => `${h}@100000×512`)
      )
      expect(options.isolation).toBe('process')
    }
    // A grid named on the command line is run as given.
    expect(headBenchOptions(['--classes', '64']).extraCells).toEqual([])
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
