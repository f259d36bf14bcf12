// Export the other way, so data moves between this app and insightface: any training dataset to an
// identity folder or a .rec/.idx pair, any pair list to a .bin. Images are copied as encoded (no
// re-compression); unreadable ones are left out and counted. Outputs appear only when complete.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { writeFileAtomic } from '../util/atomicWrite'
import { ExampleReader } from './exampleStore'
import { checkImage, extensionFor } from './imageInfo'
import type { EncodedPairs } from './pairSets'
import { pickleVerificationBin } from './pickle'
import { RecordIOWriter } from './recordio'
import type { TrainingIndex } from './trainingIndex'

export interface ExportResult {
  written: number
  skipped: { path: string; problem: string }[]
}

function refuseExisting(path: string): void {
  if (existsSync(path) && !isEmptyDir(path))
    throw new Error(`${path} already exists: choose a new output path (nothing was overwritten)`)
}

function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0
  } catch {
    return false
  }
}

/** A folder-safe identity name (RecordIO identities are numbers; folder names are kept). */
function folderName(name: string): string {
  const safe = name.replace(/[/\\\0]/g, '_').replace(/^\.+$/, '_')
  return safe || '_'
}

/** Writes root/<identity>/<n>.<ext>; the folder is built beside `outDir` and renamed into place. */
export async function exportIdentityFolder(index: TrainingIndex, outDir: string): Promise<ExportResult> {
  refuseExisting(outDir)
  const temp = join(dirname(outDir), `.${basename(outDir)}.${randomBytes(4).toString('hex')}.partial`)
  const reader = new ExampleReader(index.store)
  const skipped: ExportResult['skipped'] = []
  let written = 0
  try {
    mkdirSync(temp, { recursive: true })
    const names = index.classNames.map(folderName)
    const perClass = new Array<number>(names.length).fill(0)
    for (let i = 0; i < index.labels.length; i++) {
      const bytes = await reader.read(i).catch((error: Error) => error)
      const check = bytes instanceof Error ? { ok: false as const, problem: bytes.message } : checkImage(bytes)
      if (!check.ok || bytes instanceof Error) {
        skipped.push({ path: reader.describe(i), problem: check.ok ? 'unreadable' : check.problem })
        continue
      }
      const label = index.labels[i]
      mkdirSync(join(temp, names[label]), { recursive: true })
      writeFileSync(
        join(temp, names[label], `${String(perClass[label]++).padStart(4, '0')}${extensionFor(check.info.kind)}`),
        bytes
      )
      written++
    }
    if (existsSync(outDir)) rmSync(outDir, { recursive: true }) // empty, checked above
    renameSync(temp, outDir)
    return { written, skipped }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw error
  } finally {
    reader.close()
  }
}

/**
 * Writes an insightface .rec/.idx (+ `property`): record 0 the header (first identity record, end),
 * records 1…N the images grouped by identity, then one (start, end) record per identity.
 */
export async function exportRecordIO(index: TrainingIndex, recPath: string): Promise<ExportResult> {
  if (!recPath.endsWith('.rec')) throw new Error(`${recPath}: a RecordIO output must end in .rec`)
  refuseExisting(recPath)
  mkdirSync(dirname(recPath), { recursive: true })
  const reader = new ExampleReader(index.store)
  const skipped: ExportResult['skipped'] = []
  const byClass: number[][] = index.classNames.map(() => [])
  index.labels.forEach((label, i) => byClass[label].push(i))
  // A first pass checks every image, fixing the record numbering before anything is written; the
  // second reads each again to write it, so memory stays at one image whatever the dataset's size.
  const good: { index: number; label: number }[] = []
  let size: { width: number; height: number } | null = null
  for (const [label, members] of byClass.entries()) {
    for (const i of members) {
      const bytes = await reader.read(i).catch((error: Error) => error)
      const check = bytes instanceof Error ? { ok: false as const, problem: bytes.message } : checkImage(bytes)
      if (!check.ok || bytes instanceof Error)
        skipped.push({ path: reader.describe(i), problem: check.ok ? 'unreadable' : check.problem })
      else {
        good.push({ index: i, label })
        size = size ?? check.info
      }
    }
  }
  if (good.length === 0) {
    reader.close()
    throw new Error(`nothing to write: no readable image in ${index.store.kind === 'files' ? 'the folder' : index.store.recPath}`)
  }
  const classes = index.classNames.length
  const firstIdentity = good.length + 1
  const writer = new RecordIOWriter(recPath)
  try {
    writer.write(0, { flag: 2, label: [firstIdentity, firstIdentity + classes], id: 0, id2: 0 })
    const ranges = index.classNames.map(() => [0, 0])
    for (const [n, { index: i, label }] of good.entries()) {
      const key = n + 1
      if (ranges[label][1] === 0) ranges[label][0] = key
      ranges[label][1] = key + 1
      writer.write(key, { flag: 0, label: [label], id: key, id2: 0 }, await reader.read(i))
    }
    ranges.forEach(([start, end], c) =>
      writer.write(firstIdentity + c, { flag: 2, label: [start, end], id: firstIdentity + c, id2: 0 })
    )
    writer.finish()
  } catch (error) {
    writer.abort()
    throw error
  } finally {
    reader.close()
  }
  writeFileAtomic(join(dirname(recPath), 'property'), `${classes},${size!.height},${size!.width}\n`)
  return { written: good.length, skipped }
}

/** Writes the pairs as an insightface .bin (pickle of (bins, issame_list), protocol 3). */
export async function exportVerificationBin(pairs: EncodedPairs, outPath: string): Promise<ExportResult> {
  refuseExisting(outPath)
  const bins: Uint8Array[] = []
  for (const pair of pairs.pairs) {
    for (const i of [pair.a, pair.b]) {
      const bytes = await pairs.load(i).catch((error: Error) => {
        throw new Error(`${pairs.sources[i]}: ${error.message}`)
      })
      const check = checkImage(bytes)
      if (!check.ok)
        throw new Error(`${pairs.sources[i]}: ${check.problem} (a .bin keeps every pair, so the set cannot be written)`)
      bins.push(bytes)
    }
  }
  writeFileAtomic(
    outPath,
    pickleVerificationBin(
      bins,
      pairs.pairs.map((p) => p.same)
    )
  )
  return { written: pairs.pairs.length, skipped: [] }
}
