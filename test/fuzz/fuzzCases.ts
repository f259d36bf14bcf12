// The fuzz cases, run in a child process (test/unit/data/fuzz.test.ts starts it with a small
// heap, so an allocation a file talks the reader into ends it as out-of-memory, and watches it
// for hangs). Prints one JSON line per case and a summary with the peak memory.
//
//   node --import tsx --max-old-space-size=N test/fuzz/fuzzCases.ts <bin|rec|pairs> <first> <count> <dir>
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readPairsCsv, readPairsTxt, readVerificationBin, type EncodedPairs } from '../../src/core/data/pairSets'
import { pickleVerificationBin } from '../../src/core/data/pickle'
import { indexPathFor, RecordFile, RecordIOWriter, unpackHeader } from '../../src/core/data/recordio'
import { indexRecordIO } from '../../src/core/data/recordioIndex'
import { PYTHON } from '../helpers/python'
import { blankPng, bmp24 } from '../unit/data/fixtures'
import { mutateBytes, mutateText, type Mutation } from './mutate'

type Kind = 'bin' | 'rec' | 'pairs'
const [kind, firstArg, countArg, dir] = process.argv.slice(2) as [Kind, string, string, string]
const first = Number(firstArg)
const count = Number(countArg)

/** Records read per indexed .rec (every one in these small files). */
const RECORDS_READ = 64

function images(): Uint8Array[] {
  return [
    blankPng(8, 8),
    bmp24(new Uint8Array(4 * 4 * 3).fill(90), 4, 4),
    blankPng(6, 5),
    bmp24(new Uint8Array(3 * 3 * 3).fill(200), 3, 3)
  ]
}

/** Valid .bin files: our writer (protocol 3) and Python's protocols 0 and 2 (with memo references). */
function binSeeds(): Uint8Array[] {
  const bins = images()
  const ours = pickleVerificationBin(bins, [true, false])
  const pyFile = join(dir, 'seed-images.bin')
  writeFileSync(pyFile, pickleVerificationBin(bins, [true, false]))
  const script =
    'import pickle,sys; bins, same = pickle.load(open(sys.argv[1], "rb")); bins = bins + [bins[0], bins[0]]; same = same + [True]; [sys.stdout.buffer.write(pickle.dumps((bins, same), protocol=p) + b"\\0SPLIT\\0") for p in (0, 2)]'
  const python = execFileSync(PYTHON, ['-c', script, pyFile])
  const parts: Uint8Array[] = []
  let start = 0
  const mark = Buffer.from('\0SPLIT\0')
  for (let at = python.indexOf(mark); at >= 0; at = python.indexOf(mark, start)) {
    parts.push(new Uint8Array(python.subarray(start, at)))
    start = at + mark.length
  }
  return [ours, ...parts, python2Style(bins)]
}

/** What Python 2 writes for (bins, issame) at protocol 2: str as BINSTRING (signed int32 length). */
function python2Style(bins: Uint8Array[]): Uint8Array {
  const out: number[] = [0x80, 0x02, 0x5d, 0x71, 0x00, 0x28]
  for (const bin of bins) {
    const length = new Uint8Array(4)
    new DataView(length.buffer).setInt32(0, bin.length, true)
    out.push(0x54, ...length, ...bin)
  }
  out.push(0x65, 0x5d, 0x28, 0x88, 0x89, 0x65, 0x86, 0x2e)
  return Uint8Array.from(out)
}

/** Valid .rec/.idx pairs: with the insightface header and identity records, and a plain one. */
function recSeeds(): { rec: Uint8Array; idx: Uint8Array }[] {
  const seeds: { rec: Uint8Array; idx: Uint8Array }[] = []
  const bins = images()
  for (const layout of ['insightface', 'plain']) {
    const recPath = join(dir, `seed-${layout}.rec`)
    const writer = new RecordIOWriter(recPath)
    if (layout === 'insightface') {
      writer.write(0, { flag: 2, label: [5, 7], id: 0, id2: 0 })
      bins.forEach((bin, i) => writer.write(i + 1, { flag: 0, label: [i < 2 ? 0 : 1], id: i + 1, id2: 0 }, bin))
      writer.write(5, { flag: 2, label: [1, 3], id: 5, id2: 0 })
      writer.write(6, { flag: 2, label: [3, 5], id: 6, id2: 0 })
    } else {
      bins.forEach((bin, i) => writer.write(i, { flag: 0, label: [i % 2], id: i, id2: 0 }, bin))
    }
    writer.finish()
    seeds.push({ rec: new Uint8Array(readFileSync(recPath)), idx: new Uint8Array(readFileSync(indexPathFor(recPath))) })
  }
  return seeds
}

/** Valid pair lists over four images in <dir>/imgs (LFW layout too). */
function pairSeeds(): { name: string; text: string }[] {
  const bins = images()
  for (const [n, person] of ['Ann_Lee', 'Bo_Chen'].entries()) {
    mkdirSync(join(dir, 'imgs', person), { recursive: true })
    for (let k = 1; k <= 2; k++) writeFileSync(join(dir, 'imgs', person, `${person}_000${k}.png`), bins[2 * n + k - 1])
  }
  return [
    {
      name: 'pairs.csv',
      text: 'path1,path2,label\nAnn_Lee/Ann_Lee_0001.png,Ann_Lee/Ann_Lee_0002.png,1\n"Bo_Chen/Bo_Chen_0001.png",Ann_Lee/Ann_Lee_0001.png,0\n'
    },
    { name: 'pairs.txt', text: '1\t2\nAnn_Lee\t1\t2\nBo_Chen\t1\t2\nAnn_Lee\t1\tBo_Chen\t2\n' }
  ]
}

/** Everything a reader hands out, read, so a lazy failure also counts. */
async function drain(pairs: EncodedPairs): Promise<void> {
  for (let i = 0; i < pairs.sources.length; i++) await pairs.load(i)
  for (const p of pairs.pairs)
    if (!(p.a >= 0 && p.a < pairs.sources.length && p.b >= 0 && p.b < pairs.sources.length))
      throw new Error(`pair points at image ${p.a}/${p.b} of ${pairs.sources.length}`)
}

function readRec(recPath: string): void {
  const index = indexRecordIO(recPath)
  const file = new RecordFile(recPath, statSync(recPath).size)
  try {
    for (let i = 0; i < Math.min(RECORDS_READ, index.offsets.length); i++)
      unpackHeader(file.read(index.offsets[i]), `${recPath} record ${i}`)
  } finally {
    file.close()
  }
}

/**
 * A refusal names a file of this case, or a file the case's list named (an absolute path
 * followed by ': ' and the problem, e.g. `/x/../etc/a.jpg: file not found`), and says more
 * than the name.
 */
function namesFileAndProblem(message: string, caseDir: string): boolean {
  const named = message.includes(caseDir) || /^(\/|[A-Za-z]:\\)[^\n]*?: \S/.test(message)
  return named && message.replace(/\S*[\\/]\S*/g, '').trim().length > 5
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const bin = kind === 'bin' ? binSeeds() : []
  const rec = kind === 'rec' ? recSeeds() : []
  const lists = kind === 'pairs' ? pairSeeds() : []
  for (let n = first; n < first + count; n++) {
    const caseDir = join(dir, `case-${n}`)
    mkdirSync(caseDir, { recursive: true })
    const started = performance.now()
    let target = ''
    let how = ''
    let outcome: { result: 'read' | 'refused' | 'finding'; message?: string }
    try {
      if (kind === 'bin') {
        const seed = bin[n % bin.length]
        const m: Mutation = mutateBytes(seed, n, bin[(n + 1) % bin.length])
        target = join(caseDir, 'set.bin')
        how = m.how
        writeFileSync(target, m.bytes)
        await drain(await readVerificationBin(target))
      } else if (kind === 'rec') {
        const seed = rec[n % rec.length]
        target = join(caseDir, 'train.rec')
        // Mutate the .rec, the .idx, or both.
        const which = n % 3
        const recBytes = which === 1 ? { bytes: seed.rec, how: '' } : mutateBytes(seed.rec, n, rec[(n + 1) % rec.length].rec)
        const idxBytes = which === 0 ? { bytes: seed.idx, how: '' } : mutateText(new TextDecoder().decode(seed.idx), n)
        how = [recBytes.how && `.rec: ${recBytes.how}`, idxBytes.how && `.idx: ${idxBytes.how}`].filter(Boolean).join('; ')
        writeFileSync(target, recBytes.bytes)
        writeFileSync(indexPathFor(target), idxBytes.bytes)
        readRec(target)
      } else {
        const seed = lists[n % lists.length]
        const m = mutateText(seed.text, n)
        target = join(caseDir, seed.name)
        how = m.how
        writeFileSync(target, m.bytes)
        const read = seed.name.endsWith('.csv')
          ? readPairsCsv(target, join(dir, 'imgs'))
          : readPairsTxt(target, join(dir, 'imgs'))
        await drain(await read)
      }
      outcome = { result: 'read' }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      outcome = namesFileAndProblem(message, caseDir)
        ? { result: 'refused', message }
        : { result: 'finding', message: `${error instanceof Error ? error.name : 'thrown'}: ${message}` }
    }
    process.stdout.write(
      JSON.stringify({
        n,
        ms: Math.round(performance.now() - started),
        ...outcome,
        ...(outcome.result === 'finding' ? { how, target } : {})
      }) + '\n'
    )
    rmSync(caseDir, { recursive: true, force: true })
  }
  process.stdout.write(JSON.stringify({ done: true, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`fuzz runner failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(3)
})
