// A run folder: runs/<id>/config.json, run.json (status, name, tags), metrics.jsonl, log.txt,
// checkpoints/, eval/, exports/. Readable without the app; every file but the appended logs is
// written whole and atomically.
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, existsSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite'
import { writeTensors, type CheckpointTensor, type TensorManifest } from './checkpoint'
import { runDir } from './runs'
import type { MetricsRecord } from '../../common/metricsLog'

export interface RunFolder {
  id: string
  dir: string
  writeConfig(config: unknown): void
  appendMetrics(record: MetricsRecord): void
  /** One timestamped line in log.txt. */
  log(line: string): void
  writeJson(relativePath: string, value: unknown): void
  writeFile(relativePath: string, data: string | Uint8Array): void
}

/** The folder of an existing run (for resume); nothing is created. */
export function openRunFolder(dir: string): RunFolder {
  if (!existsSync(join(dir, 'config.json'))) throw new Error(`${dir} is not a run folder (no config.json)`)
  return runFolderAt(dir)
}

const existingRunMessage = (workspace: string, id: string): string =>
  `run "${id}" already exists in ${resolve(workspace, 'runs')}; a new run needs an id of its own`

/** The folder a new run `id` would get; throws, saying why, when the id is not a plain name or is taken. */
export function checkNewRunId(workspace: string, id: string): string {
  const runs = resolve(workspace, 'runs')
  const dir = runDir(workspace, id)
  if (dirname(resolve(dir)) !== runs) throw new Error(`run folder ${dir} would not be inside ${runs}`)
  if (existsSync(dir)) throw new Error(existingRunMessage(workspace, id))
  return dir
}

/**
 * A new folder directly inside runs/, under the id its host chose. The id is checked (runDir)
 * and the resolved folder is compared with runs/, so no id can place a run elsewhere; an id
 * that exists is refused (nothing already saved is touched).
 */
export function createRunFolder(workspace: string, id: string): RunFolder {
  const dir = checkNewRunId(workspace, id)
  mkdirSync(resolve(workspace, 'runs'), { recursive: true })
  try {
    mkdirSync(dir)
  } catch (error) {
    // Another trainer created it since the check.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(existingRunMessage(workspace, id))
    throw error
  }
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

/**
 * Saves named tensors (or streamed sources, a sparse centre store) as one blob, written a chunk at
 * a time under a temporary name and renamed into place, plus a manifest with its checksum.
 */
export async function saveWeights(run: RunFolder, folder: string, tensors: CheckpointTensor[]): Promise<WeightsManifest> {
  const target = join(run.dir, folder, 'weights.bin')
  mkdirSync(dirname(target), { recursive: true })
  const temp = `${target}.tmp-${randomBytes(4).toString('hex')}`
  try {
    const manifest = await writeTensors(temp, tensors)
    renameSync(temp, target)
    run.writeJson(join(folder, 'manifest.json'), manifest)
    return manifest
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}
