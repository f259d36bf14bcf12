// Shared test material: weights in the state a trained model is in (batch-norm statistics far from
// 0/1, non-trivial PReLU slopes and biases), so every parameter kind shows in the outputs.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import type { WeightValue } from '../../../src/core/export/onnxGraph'
import { createRng } from '../../../src/core/util/rng'

export function trainedLike(weights: Map<string, WeightValue>, seed: number): Map<string, WeightValue> {
  const rng = createRng(seed)
  const out = new Map<string, WeightValue>()
  const draw: [RegExp, () => number][] = [
    [/\/mean$/, () => 0.5 * rng.normal()],
    [/\/variance$/, () => 0.5 + 1.5 * rng.next()],
    [/\/gamma$/, () => 1 + 0.3 * rng.normal()],
    [/\/(beta|bias)$/, () => 0.2 * rng.normal()],
    [/\/alpha$/, () => 0.5 * rng.next()]
  ]
  for (const [name, weight] of weights) {
    // Kernels are random already; the per-channel tensors are what training moves off their start.
    const value = draw.find(([pattern]) => pattern.test(name))?.[1]
    out.set(name, value ? { shape: weight.shape, values: Float32Array.from(weight.values, value) } : weight)
  }
  return out
}

/** A run folder in the app's layout: config.json and one checkpoint in the saveWeights format. */
export function writeFakeRun(
  dir: string,
  config: Record<string, unknown>,
  checkpoint: string,
  tensors: Map<string, WeightValue>
): void {
  mkdirSync(join(dir, 'checkpoints', checkpoint), { recursive: true })
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
  const total = [...tensors.values()].reduce((n, t) => n + t.values.length, 0)
  const blob = new Float32Array(total)
  const entries: { name: string; shape: number[]; dtype: 'float32'; offset: number; length: number }[] = []
  let offset = 0
  for (const [name, t] of tensors) {
    blob.set(t.values, offset)
    entries.push({ name, shape: t.shape, dtype: 'float32', offset, length: t.values.length })
    offset += t.values.length
  }
  const bytes = new Uint8Array(blob.buffer)
  writeFileSync(join(dir, 'checkpoints', checkpoint, 'weights.bin'), bytes)
  const manifest = { format: 'dsoftmax-weights/1', sha256: createHash('sha256').update(bytes).digest('hex'), tensors: entries }
  writeFileSync(join(dir, 'checkpoints', checkpoint, 'manifest.json'), JSON.stringify(manifest))
}
