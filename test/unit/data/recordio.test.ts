import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, rmSync, truncateSync, writeFileSync, statSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { RECORD_MAGIC, RecordFile, RecordIOWriter, indexPathFor, unpackHeader } from '../../../src/core/data/recordio'
import { indexRecordIO } from '../../../src/core/data/recordioIndex'
import { indexTrainingData } from '../../../src/core/data/trainingIndex'
import { exportIdentityFolder, exportRecordIO } from '../../../src/core/data/writers'
import { openTrainingData } from '../../../src/core/data/open'
import { python, sha1, snapshot, tempDir, writeIdentityFolder } from './fixtures'

let dir: string
let folder: string
let rec: string

beforeAll(async () => {
  dir = tempDir('dsoftmax-rec-')
  folder = join(dir, 'faces')
  await writeIdentityFolder(folder, ['ann', 'ben', 'cleo'], 4, 20)
  rec = join(dir, 'out', 'train.rec')
  await exportRecordIO(await indexTrainingData(folder, 'folder', null), rec)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('RecordIO writer and reader', () => {
  it('writes the insightface layout, as an independent Python reader sees it', () => {
    const records = JSON.parse(python('read-rec', rec)) as { key: number; flag: number; label: number[]; sha1: string | null }[]
    expect(records[0]).toMatchObject({ key: 0, flag: 2, label: [13, 16] })
    // images 1…12 grouped by identity with their label; identity records 13…15 hold (start, end)
    for (let k = 1; k <= 12; k++) expect(records[k].label).toEqual([Math.floor((k - 1) / 4)])
    expect(records.slice(13).map((r) => r.label)).toEqual([
      [1, 5],
      [5, 9],
      [9, 13]
    ])
    const folderHashes = Object.entries(snapshot(folder))
      .sort()
      .map(([, v]) => v.split(' ')[0])
    expect(
      records
        .slice(1, 13)
        .map((r) => r.sha1)
        .sort()
    ).toEqual([...folderHashes].sort())
    expect(readFileSync(join(dir, 'out', 'property'), 'utf8')).toBe('3,20,20\n')
  })

  it('reads back labels and identical image bytes through the index', async () => {
    const index = indexRecordIO(rec)
    expect(index.classes).toBe(3)
    expect(Array.from(index.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    expect(index.problems).toEqual([])
    expect(index.property).toEqual({ classes: 3, height: 20, width: 20 })
    const data = await openTrainingData(rec, { inputSize: 16, channels: 3, workers: 0 })
    expect(data).toMatchObject({ format: 'recordio', classes: 3, examples: 12 })
    await data.close()
  })

  it('rec → folder → rec round trip keeps every image byte for byte', async () => {
    const back = join(dir, 'back')
    const result = await exportIdentityFolder(await indexTrainingData(rec, 'recordio', null), back)
    expect(result).toEqual({ written: 12, skipped: [] })
    const hashes = (root: string): string[] =>
      Object.values(snapshot(root))
        .map((v) => v.split(' ')[0])
        .sort()
    expect(hashes(back)).toEqual(hashes(folder))
  })

  it('splits a payload that holds the magic word and joins it back (MXNet multi-part records)', () => {
    const path = join(dir, 'magic.rec')
    const image = new Uint8Array(40).map((_, i) => i)
    new DataView(image.buffer).setUint32(8, RECORD_MAGIC, true) // payload offset 24 + 8: aligned
    new DataView(image.buffer).setUint32(20, RECORD_MAGIC, true)
    const writer = new RecordIOWriter(path)
    writer.write(0, { flag: 0, label: [7], id: 0, id2: 0 }, image)
    writer.finish()
    const file = new RecordFile(path, statSync(path).size)
    const { header, image: read } = unpackHeader(file.read(0), path)
    file.close()
    expect(header.label).toEqual([7])
    expect(Array.from(read)).toEqual(Array.from(image))
    expect(JSON.parse(python('read-rec', path))[0].sha1).toBe(sha1(image))
  })

  it('a .rec cut in the middle: the cut records are reported by key, the rest are used', () => {
    const cut = join(dir, 'cut.rec')
    copyFileSync(rec, cut)
    copyFileSync(indexPathFor(rec), indexPathFor(cut))
    const offsets = readFileSync(indexPathFor(cut), 'utf8')
      .trim()
      .split('\n')
      .map((l) => Number(l.split('\t')[1]))
    truncateSync(cut, offsets[7] + 20) // inside image record 7; records 8… and the identity records are gone
    const index = indexRecordIO(cut)
    expect(index.labels.length).toBe(6)
    expect(index.problems.some((p) => /record 7 at byte \d+ is cut off: the \.rec ends at byte/.test(p.problem))).toBe(true)
    expect(index.problems.some((p) => /record 9 at byte \d+, past the end of the \.rec/.test(p.problem))).toBe(true)
    expect(index.problems.every((p) => p.path === cut)).toBe(true)
  })

  it('an .idx line pointing past the end is reported, not read', () => {
    const bad = join(dir, 'bad.rec')
    copyFileSync(rec, bad)
    copyFileSync(indexPathFor(rec), indexPathFor(bad))
    const lines = readFileSync(indexPathFor(bad), 'utf8').trim().split('\n')
    lines[3] = `3\t${statSync(bad).size + 4096}`
    writeFileSync(indexPathFor(bad), lines.join('\n') + '\n')
    const index = indexRecordIO(bad)
    expect(index.labels.length).toBe(11)
    expect(index.problems).toEqual([
      { path: bad, problem: expect.stringMatching(/bad\.idx points record 3 at byte \d+, past the end of the \.rec/) }
    ])
  })

  it('a .rec without header record (im2rec style): labels come from each image header', async () => {
    const plain = join(dir, 'plain.rec')
    const writer = new RecordIOWriter(plain)
    const jpeg = readFileSync(join(folder, 'ann', '0.jpg'))
    ;[2, 0, 1, 2].forEach((label, key) => writer.write(key, { flag: 0, label: [label], id: key, id2: 0 }, jpeg))
    writer.finish()
    const index = indexRecordIO(plain)
    expect(Array.from(index.labels)).toEqual([2, 0, 1, 2])
    expect(index.classes).toBe(3)
  })

  it('a missing .idx or a garbage .idx line is a clear error', () => {
    const lone = join(dir, 'lone.rec')
    copyFileSync(rec, lone)
    expect(() => indexRecordIO(lone)).toThrow(/lone\.idx: index file not found/)
    writeFileSync(indexPathFor(lone), '0\t0\nhello\n')
    expect(() => indexRecordIO(lone)).toThrow(/lone\.idx: line 2 is not "index<TAB>offset"/)
  })
})
