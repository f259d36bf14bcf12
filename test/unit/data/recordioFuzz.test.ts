// Mutation fuzzing of .rec/.idx pairs: valid sets (written by Python, and one with multi-part
// records) get their bytes flipped, words overwritten, headers set to absurd labels, files cut,
// and .idx lines dropped, repeated, reordered or garbled. Every case must end in a usable index
// or a RecordIOError naming the .rec or .idx, never another exception, a hang, or runaway memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ExampleReader } from '../../../src/core/data/exampleStore'
import { RECORD_MAGIC, RecordIOError, RecordIOWriter, indexPathFor } from '../../../src/core/data/recordio'
import { indexRecordIO } from '../../../src/core/data/recordioIndex'
import { createRng, type Rng } from '../../../src/core/util/rng'
import { PYTHON } from '../../helpers/python'
import { tempDir } from './fixtures'

const WRITER = fileURLToPath(new URL('../../../scripts/write-large-rec.py', import.meta.url))
const CASES_PER_BASE = 700

let dir: string
const bases: { name: string; rec: Uint8Array; idx: string }[] = []

function pythonSet(name: string, ...flags: string[]): void {
  const rec = join(dir, name, 'train.rec')
  mkdirSync(join(dir, name))
  execFileSync(PYTHON, [WRITER, rec, '40', '5', '--fast', '--size', '4', ...flags])
  bases.push({ name, rec: readFileSync(rec), idx: readFileSync(indexPathFor(rec), 'utf8') })
}

beforeAll(() => {
  dir = tempDir('dsoftmax-rec-fuzz-')
  pythonSet('insightface')
  pythonSet('plain', '--no-header')
  // Payloads holding the magic word at aligned positions become multi-part records.
  const rec = join(dir, 'multipart.rec')
  const writer = new RecordIOWriter(rec)
  for (let key = 0; key < 6; key++) {
    const image = new Uint8Array(64).map((_, i) => i * key)
    new DataView(image.buffer).setUint32(8 + 4 * key, RECORD_MAGIC, true)
    writer.write(key, { flag: 0, label: [key % 3], id: key, id2: 0 }, image)
  }
  writer.finish()
  bases.push({ name: 'multipart', rec: readFileSync(rec), idx: readFileSync(indexPathFor(rec), 'utf8') })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const WORDS = [
  0,
  1,
  0xffffffff,
  RECORD_MAGIC,
  (1 << 29) - 1,
  (3 << 29) | 16,
  (1 << 29) | 4,
  0x4e6e6b28 /* 1e9 as float32 */,
  0x7fc00000 /* NaN */,
  0xbf800000 /* -1 */
]

function mutateRec(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = Uint8Array.from(bytes)
  const view = new DataView(out.buffer)
  const kind = rng.int(4)
  if (kind === 0) {
    for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(out.length)] ^= 1 << rng.int(8)
  } else if (kind === 1) {
    view.setUint32(rng.int(out.length >> 2) * 4, WORDS[rng.int(WORDS.length)], true)
  } else if (kind === 2) {
    view.setUint32(rng.int(out.length >> 2) * 4, Math.floor(rng.next() * 2 ** 32), true)
  } else {
    return out.subarray(0, rng.int(out.length))
  }
  return out
}

function mutateIdx(text: string, rng: Rng): string {
  const lines = text.trim().split('\n')
  const at = rng.int(lines.length)
  const kind = rng.int(6)
  if (kind === 0) lines.splice(at, 1)
  else if (kind === 1) lines.splice(at, 0, lines[rng.int(lines.length)])
  else if (kind === 2) lines[at] = `${lines[at].split('\t')[0]}\t${[rng.int(10_000), 2 ** 40, 3].at(rng.int(3))}`
  else if (kind === 3) lines[at] = ['', 'x', '1\t2\t3', '-1\t0', '1e9\t0', '\t\t'][rng.int(6)]
  else if (kind === 4) lines.reverse()
  else return rng.int(2) ? '' : text.slice(0, rng.int(text.length))
  return lines.join('\n') + '\n'
}

/** Indexes a mutated pair and reads every record it keeps; returns how the case ended. */
async function runCase(rec: string): Promise<'indexed' | 'refused'> {
  const idx = indexPathFor(rec)
  let index
  try {
    index = indexRecordIO(rec)
  } catch (error) {
    if (!(error instanceof RecordIOError) || (error.file !== rec && error.file !== idx)) throw error
    return 'refused'
  }
  expect(index.problems.every((p) => p.path === rec)).toBe(true)
  expect(index.classes).toBeLessThanOrEqual(index.labels.length + 64)
  for (const label of index.labels)
    if (!(label >= 0 && label < index.classes)) throw new Error(`label ${label} outside 0…${index.classes - 1}`)
  const reader = new ExampleReader({ kind: 'recordio', recPath: rec, offsets: index.offsets })
  try {
    for (let k = 0; k < reader.count; k++) {
      await reader.read(k).catch((error: unknown) => {
        if (!(error instanceof RecordIOError) || !error.message.startsWith(rec)) throw error
      })
    }
  } finally {
    reader.close()
  }
  return 'indexed'
}

describe('RecordIO mutation fuzzing', () => {
  it(`${3 * CASES_PER_BASE} mutated .rec/.idx pairs: each indexes or is refused with the file named`, async () => {
    const outcomes = { indexed: 0, refused: 0 }
    const before = process.memoryUsage()
    let peak = 0
    for (const [b, base] of bases.entries()) {
      const rng = createRng(0xf022 + b)
      for (let n = 0; n < CASES_PER_BASE; n++) {
        const caseDir = join(dir, `case-${base.name}-${n}`)
        mkdirSync(caseDir)
        const rec = join(caseDir, 'train.rec')
        const which = rng.int(3) // 0: .rec only, 1: .idx only, 2: both
        writeFileSync(rec, which === 1 ? base.rec : mutateRec(base.rec, rng))
        writeFileSync(indexPathFor(rec), which === 0 ? base.idx : mutateIdx(base.idx, rng))
        if (n % 50 === 0) copyFileSync(join(dir, 'insightface', 'property'), join(caseDir, 'property'))
        try {
          outcomes[await runCase(rec)]++
        } catch (error) {
          throw new Error(
            `case ${base.name} #${n}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
          )
        }
        const now = process.memoryUsage()
        peak = Math.max(peak, now.rss - before.rss, now.arrayBuffers - before.arrayBuffers)
        rmSync(caseDir, { recursive: true })
      }
    }
    // Both endings occur: the fuzzer reaches the checks and also leaves sets usable.
    expect(outcomes.indexed).toBeGreaterThan(100)
    expect(outcomes.refused).toBeGreaterThan(100)
    expect(peak).toBeLessThan(256 * 2 ** 20)
  })
})
