// A run folder: runs/<id>/config.json, metrics.jsonl, checkpoints/, eval/. Readable without the
// app; every file but the appended metrics log is written whole and atomically.
import { appendFileSync, mkdirSync, existsSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite'
import type { tf } from '../tf'

export interface RunFolder {
  id: string
  dir: string
  writeConfig(config: unknown): void
  appendMetrics(record: Record<string, unknown>): void
  writeJson(relativePath: string, value: unknown): void
  writeFile(relativePath: string, data: string | Uint8Array): void
}

export function newRunId(preset: string, loss: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '').replace('T', '-')
  return `${stamp}-${preset}-${loss}`
}

export function createRunFolder(workspace: string, id: string): RunFolder {
  let dir = join(workspace, 'runs', id)
  for (let n = 2; existsSync(dir); n++) dir = join(workspace, 'runs', `${id}-${n}`)
  mkdirSync(dir, { recursive: true })
  return {
    id: dir.split(/[\\/]/).pop() as string,
    dir,
    writeConfig: (config) => writeJsonAtomic(join(dir, 'config.json'), config),
    // One JSON object per line, appended; a reader skips a torn last line after a crash.
    appendMetrics: (record) => appendFileSync(join(dir, 'metrics.jsonl'), JSON.stringify(record) + '\n'),
    writeJson: (relativePath, value) => writeJsonAtomic(join(dir, relativePath), value),
    writeFile: (relativePath, data) => writeFileAtomic(join(dir, relativePath), data)
  }
}

export interface WeightsManifest {
  format: 'dsoftmax-weights/1'
  sha256: string
  tensors: { name: string; shape: number[]; dtype: 'float32'; offset: number; length: number }[]
}

/** Saves named tensors as one little-endian float32 blob plus a manifest with its checksum. */
export function saveWeights(run: RunFolder, folder: string, tensors: { name: string; tensor: tf.Tensor }[]): WeightsManifest {
  const total = tensors.reduce((n, t) => n + t.tensor.size, 0)
  const blob = new Float32Array(total)
  const entries: WeightsManifest['tensors'] = []
  let offset = 0
  for (const { name, tensor } of tensors) {
    blob.set(tensor.dataSync() as Float32Array, offset)
    entries.push({ name, shape: tensor.shape, dtype: 'float32', offset, length: tensor.size })
    offset += tensor.size
  }
  const bytes = new Uint8Array(blob.buffer)
  const manifest: WeightsManifest = {
    format: 'dsoftmax-weights/1',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    tensors: entries
  }
  run.writeFile(join(folder, 'weights.bin'), bytes)
  run.writeJson(join(folder, 'manifest.json'), manifest)
  return manifest
}
