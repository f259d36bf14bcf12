import { describe, expect, it } from 'vitest'
import { gpuFitProblems, gpuMemoryPlan, gpuPlanOf, wasmHeapProblems } from '../../../src/core/train/memoryFit'
import { presetConfig } from '../../../src/core/train'
import { glyphCnn } from '../../../src/core/models'
import type { TrainConfig } from '../../../src/core/train/config'

const MIB = 2 ** 20
const limits = (mib: number): { maxStorageBufferBindingSize: number; maxBufferSize: number } => ({
  maxStorageBufferBindingSize: mib * MIB,
  maxBufferSize: 4096 * MIB
})

describe('GPU fit of a recipe (per-buffer limits)', () => {
  const spec = glyphCnn({ embeddingDim: 128 })

  it('sizes the dense head’s logits and centres exactly: batch × classes and classes × dim floats', () => {
    const plan = gpuMemoryPlan({ spec, batchSize: 256, classes: 100_000, optimizerSlots: 1, sparseHead: false })
    const byWhat = Object.fromEntries(plan.largest.map((t) => [t.what.split(' (')[0], t.bytes]))
    expect(byWhat["the head's logits"]).toBe(4 * 256 * 100_000)
    expect(byWhat['the class centres']).toBe(4 * 100_000 * 128)
    // Largest first.
    expect(plan.largest.map((t) => t.bytes)).toEqual([...plan.largest.map((t) => t.bytes)].sort((a, b) => b - a))
  })

  it('refuses a dense head whose logits pass the buffer limit, and says what to change', () => {
    const plan = gpuMemoryPlan({ spec, batchSize: 256, classes: 100_000, optimizerSlots: 1, sparseHead: false })
    const problems = gpuFitProblems(plan, limits(64), 'test adapter')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /the head's logits \(256 × 100000 classes\) needs 98 MiB in one GPU buffer, more than test adapter allows \(64 MiB\)/
    )
    expect(problems[0]).toMatch(/D-Softmax-K/)
    expect(gpuFitProblems(plan, limits(128), 'test adapter')).toEqual([])
  })

  it('D-Softmax-K at 1/64 gathers only the sampled rows: the same head fits where the dense one does not', () => {
    const base = presetConfig('fonts-quick') as TrainConfig
    const dense = gpuPlanOf({ ...base, batchSize: 256, loss: 'softmax', lossParams: {} }, 100_000, 1)
    const sampled = gpuPlanOf(
      { ...base, batchSize: 256, loss: 'dsoftmax-k', lossParams: { s: 30, d: 0.9, rate: 1 / 64 } },
      100_000,
      1
    )
    // 1563 sampled negatives plus the batch's 256 own classes.
    expect(sampled.largest.find((t) => t.what.startsWith("the head's logits"))?.bytes).toBe(4 * 256 * (1563 + 256))
    expect(gpuFitProblems(dense, limits(64), 'a')).toHaveLength(1)
    expect(gpuFitProblems(sampled, limits(64), 'a')).toEqual([])
    expect(sampled.totalBytes).toBeLessThan(dense.totalBytes)
  })
})

describe('wasm heap fit of a recipe (4 GiB per replica)', () => {
  const faces = presetConfig('faces-mobilefacenet') as TrainConfig

  it('refuses MobileFaceNet at 112×112 with batch 128 on one replica and names the largest batch that fits', () => {
    const problems = wasmHeapProblems({ ...faces, batchSize: 128 }, 10_000, 3, 1)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^mobilefacenet at 112×112 with batch 128 needs ≈ \d+\.\d GiB per replica, more than wasm's 4\.0 GiB heap: use --batch (\d+) or smaller/
    )
    const fits = Number(/--batch (\d+)/.exec(problems[0])?.[1])
    expect(wasmHeapProblems({ ...faces, batchSize: fits }, 10_000, 3, 1)).toEqual([])
    expect(wasmHeapProblems({ ...faces, batchSize: 2 * fits }, 10_000, 3, 1)).toHaveLength(1)
  })

  it('counts one replica’s share: the same batch over more replicas needs less per replica', () => {
    const oneReplica = gpuPlanOf({ ...faces, batchSize: 64 }, 10_000, 3).totalBytes
    const share = gpuPlanOf({ ...faces, batchSize: 32 }, 10_000, 3).totalBytes
    expect(share).toBeLessThan(oneReplica)
    // 64 over 2 replicas is judged as 32 on one (and 32 fits where 64 does not).
    expect(wasmHeapProblems({ ...faces, batchSize: 32 }, 10_000, 3, 1)).toEqual([])
    expect(wasmHeapProblems({ ...faces, batchSize: 64 }, 10_000, 3, 1)).toHaveLength(1)
    expect(wasmHeapProblems({ ...faces, batchSize: 64 }, 10_000, 3, 2)).toEqual([])
  })

  it('the bundled fonts recipe fits easily', () => {
    expect(wasmHeapProblems(presetConfig('fonts') as TrainConfig, 1305, 1, 2)).toEqual([])
  })
})
