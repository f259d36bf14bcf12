// Opening a run for export: checkpoint resolution with its fallback note, the checksum, shapes,
// and clear errors for damaged or missing files.
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadRun, resolveCheckpoint } from '../../../src/core/export/runLoader'
import { backboneSpec } from '../../../src/core/models'
import { writeFakeRun } from './helpers'

const root = mkdtempSync(join(tmpdir(), 'export-run-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const config = { backbone: 'glyph-cnn', embeddingDim: 8, inputSize: 32, dataset: 'fonts', loss: 'dsoftmax' }

/** Weights of the glyph CNN with each tensor filled with its index, plus head tensors. */
function glyphWeights(): Map<string, { shape: number[]; values: Float32Array }> {
  const spec = backboneSpec('glyph-cnn', { embeddingDim: 8, inputSize: 32, channels: 1 })
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>()
  let channels = spec.input[2]
  for (const layer of spec.layers) {
    if (layer.kind === 'conv') {
      tensors.set(`${layer.name}/kernel`, {
        shape: [3, 3, channels, layer.filters],
        values: new Float32Array(9 * channels * layer.filters).fill(tensors.size)
      })
      channels = layer.filters
    } else if (layer.kind === 'bn') {
      for (const p of ['gamma', 'beta', 'mean', 'variance'])
        tensors.set(`${layer.name}/${p}`, { shape: [channels], values: new Float32Array(channels).fill(1) })
    } else if (layer.kind === 'flatten') {
      channels = 4 * 4 * channels
    } else if (layer.kind === 'dense') {
      tensors.set(`${layer.name}/kernel`, {
        shape: [channels, layer.units],
        values: new Float32Array(channels * layer.units).fill(0.5)
      })
      channels = layer.units
    }
  }
  tensors.set('head/centres', { shape: [3, 8], values: new Float32Array(24).fill(7) })
  return tensors
}

describe('loadRun', () => {
  const run = join(root, 'run-a')
  writeFakeRun(run, config, 'final', glyphWeights())

  it('falls back to checkpoints/final for best and last, and says so', () => {
    for (const choice of ['best', 'last']) {
      const resolved = resolveCheckpoint(run, choice)
      expect(resolved.dir).toBe(join(run, 'checkpoints', 'final'))
      expect(resolved.note).toBe(`the run has no checkpoints/${choice}; used checkpoints/final`)
    }
    mkdirSync(join(root, 'run-b', 'checkpoints'), { recursive: true })
    cpSync(join(run, 'checkpoints', 'final'), join(root, 'run-b', 'checkpoints', 'best'), { recursive: true })
    cpSync(join(run, 'config.json'), join(root, 'run-b', 'config.json'))
    const best = resolveCheckpoint(join(root, 'run-b'), 'best')
    expect(best).toEqual({ dir: join(root, 'run-b', 'checkpoints', 'best'), label: 'best' })
    expect(() => resolveCheckpoint(join(root, 'run-b'), 'last')).toThrow(/neither checkpoints\/last nor checkpoints\/final/)
    expect(resolveCheckpoint(run, join(run, 'checkpoints', 'final')).label).toBe('final')
    expect(() => resolveCheckpoint(run, 'nowhere')).toThrow(/checkpoint folder not found: nowhere/)
  })

  it('reads the backbone tensors only, with their shapes, and reads the channels from the first kernel', () => {
    const loaded = loadRun(run)
    expect(loaded.runId).toBe('run-a')
    expect(loaded.weights.tensors.has('head/centres')).toBe(false)
    expect(loaded.weights.tensors.get('block1/conv/kernel')?.shape).toEqual([3, 3, 1, 8])
    expect(loaded.spec.input).toEqual([32, 32, 1])
    expect(loaded.recipe.loss).toBe('dsoftmax')
  })

  it('rejects a damaged weights file, naming it and both checksums', () => {
    const damaged = join(root, 'run-damaged')
    writeFakeRun(damaged, config, 'final', glyphWeights())
    const bin = join(damaged, 'checkpoints', 'final', 'weights.bin')
    const bytes = readFileSync(bin)
    bytes[100] ^= 0xff
    writeFileSync(bin, bytes)
    expect(() => loadRun(damaged)).toThrow(
      new RegExp(
        `${bin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged: its sha256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}`
      )
    )
  })

  it('rejects a config that names no known backbone, and a missing run', () => {
    const bad = join(root, 'run-bad')
    writeFakeRun(bad, { ...config, backbone: 'vgg', inputSize: 0 }, 'final', glyphWeights())
    expect(() => loadRun(bad)).toThrow(
      /config\.json: backbone "vgg" is not one of .*; inputSize must be a positive integer, got 0/
    )
    expect(() => loadRun(join(root, 'absent'))).toThrow(/run folder not found/)
    const noConfig = join(root, 'run-noconfig')
    mkdirSync(noConfig)
    expect(() => loadRun(noConfig)).toThrow(/run config not found: .*config\.json/)
  })
})
