// A run folder: runs/<id>/config.json, run.json (status, name, tags), metrics.jsonl, log.txt,
// checkpoints/, eval/, exports/. Readable without the app; every file but the appended logs is
// written whole and atomically.
import { appendFileSync, mkdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite'
import type { tf } from '../tf'
import { encodeTensors, type TensorManifest } from './checkpoint'

export interface RunFolder {
  id: string
  dir: string
  writeConfig(config: unknown): void
  appendMetrics(record: Record<string, unknown>): void
  /** One timestamped line in log.txt. */
  log(line: string): void
  writeJson(relativePath: string, value: unknown): void
  writeFile(relativePath: string, data: string | Uint8Array): void
}

export function newRunId(preset: string, loss: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '').replace('T', '-')
  return `${stamp}-${preset}-${loss}`
}

/** The folder of an existing run (for resume); nothing is created. */
export function openRunFolder(dir: string): RunFolder {
  if (!existsSync(join(dir, 'config.json'))) throw new Error(`${dir} is not a run folder (no config.json)`)
  return runFolderAt(dir)
}

export function createRunFolder(workspace: string, id: string): RunFolder {
  let dir = join(workspace, 'runs', id)
  for (let n = 2; existsSync(dir); n++) dir = join(workspace, 'runs', `${id}-${n}`)
  mkdirSync(dir, { recursive: true })
  for (const sub of ['checkpoints', 'eval', 'exports']) mkdirSync(join(dir, sub), { recursive: true })
  return runFolderAt(dir)
}

function runFolderAt(dir: string): RunFolder {
  return {
    id: dir.split(/[\\/]/).pop() as string,
    dir,
    writeConfig: (config) => writeJsonAtomic(join(dir, 'config.json'), config),
    // One JSON object per line, appended; a reader skips a torn last line after a crash.
    appendMetrics: (record) => appendFileSync(join(dir, 'metrics.jsonl'), JSON.stringify(record) + '\n'),
    log: (line) => appendFileSync(join(dir, 'log.txt'), `${new Date().toISOString()} ${line}\n`),
    writeJson: (relativePath, value) => writeJsonAtomic(join(dir, relativePath), value),
    writeFile: (relativePath, data) => writeFileAtomic(join(dir, relativePath), data)
  }
}

export type WeightsManifest = TensorManifest

/** Saves named tensors as one little-endian float32 blob plus a manifest with its checksum. */
export function saveWeights(run: RunFolder, folder: string, tensors: { name: string; tensor: tf.Tensor }[]): WeightsManifest {
  const { bytes, manifest } = encodeTensors(tensors)
  run.writeFile(join(folder, 'weights.bin'), bytes)
  run.writeJson(join(folder, 'manifest.json'), manifest)
  return manifest
}
