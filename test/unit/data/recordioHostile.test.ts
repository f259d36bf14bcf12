// Small hostile .rec/.idx pairs, written byte by byte by Python's struct (scripts/data-fixtures.py
// hostile-rec): each claim a file makes (identity range, label, record length) is checked before
// anything is built from it, and refused with the file named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RecordFile, RecordIOError, RecordIOWriter, indexPathFor, unpackHeader } from '../../../src/core/data/recordio'
import { indexRecordIO } from '../../../src/core/data/recordioIndex'
import { indexTrainingData } from '../../../src/core/data/trainingIndex'
import { inspectDataset } from '../../../src/core/data/inspect'
import { python, sha1, tempDir } from './fixtures'

let dir: string
beforeAll(() => {
  dir = tempDir('dsoftmax-rec-hostile-')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function hostile(name: string): string {
  const path = join(dir, `${name}.rec`)
  python('hostile-rec', name, path)
  return path
}

function refusal(run: () => unknown): RecordIOError {
  try {
    run()
  } catch (error) {
    if (error instanceof RecordIOError) return error
    throw error
  }
  throw new Error('expected a RecordIOError')
}

describe('hostile RecordIO files', () => {
  it('a 40-byte header declaring identities 1…1e9 is refused against its one-line index', async () => {
    const rec = hostile('header-range-1e9')
    expect(statSync(rec).size).toBe(40)
    const error = refusal(() => indexRecordIO(rec))
    expect(error.file).toBe(rec)
    expect(error.problem).toMatch(
      /header record 0 declares 0 image records and 999999999 identity records .* lists only 1 record$/
    )
    await expect(inspectDataset(rec)).rejects.toThrow(/header-range-1e9\.rec: header record 0 declares/)
  })

  it('a 44-byte file with one image labelled 1e8 makes one class named "100000000", not 10^8', async () => {
    const rec = hostile('label-1e8')
    expect(statSync(rec).size).toBe(44)
    const index = await indexTrainingData(rec, 'recordio', null)
    expect(index.classNames).toEqual(['100000000'])
    expect(Array.from(index.labels)).toEqual([0])
  })

  it('plain labels with gaps become dense classes named by the labels; unusable labels are reported', () => {
    const rec = join(dir, 'gaps.rec')
    const writer = new RecordIOWriter(rec)
    ;[9, 5, 9, -1, 2.5, 5].forEach((label, key) =>
      writer.write(key, { flag: 0, label: [label], id: key, id2: 0 }, new Uint8Array(8).fill(key))
    )
    // An im2rec record with several labels (class, then e.g. landmarks): its class is the first.
    writer.write(6, { flag: 3, label: [9, 0.25, 0.5], id: 6, id2: 0 }, new Uint8Array(8))
    writer.finish()
    const index = indexRecordIO(rec)
    expect(index.classNames).toEqual(['5', '9'])
    expect(Array.from(index.labels)).toEqual([1, 0, 1, 0, 1])
    expect(index.problems.map((p) => p.problem)).toEqual([
      'record 3: label -1 is not a whole number in 0…2147483647',
      'record 4: label 2.5 is not a whole number in 0…2147483647'
    ])
  })

  it('an identity range outside the image records, or overlapping another, leaves that identity out', () => {
    const rec = join(dir, 'ranges.rec')
    const writer = new RecordIOWriter(rec)
    writer.write(0, { flag: 2, label: [5, 8], id: 0, id2: 0 })
    for (let key = 1; key <= 4; key++) writer.write(key, { flag: 0, label: [0], id: key, id2: 0 }, new Uint8Array(8).fill(key))
    writer.write(5, { flag: 2, label: [1, 3], id: 5, id2: 0 })
    writer.write(6, { flag: 2, label: [3, 1e6], id: 6, id2: 0 })
    writer.write(7, { flag: 2, label: [2, 5], id: 7, id2: 0 })
    writer.finish()
    const index = indexRecordIO(rec)
    expect(index.classes).toBe(3)
    // Images 1, 2 are identity 0's; 3 and 4 are in no usable range and keep their own label 0.
    expect(Array.from(index.labels)).toEqual([0, 0, 0, 0])
    expect(index.problems.map((p) => p.problem)).toEqual([
      'identity 1: record 6 holds the range (3, 1000000), not image keys within 1…4: left out',
      "identity 2: its range [2, 5) overlaps identity 0's at key 2: left out"
    ])
  })

  it('a length word declaring 2^29-1 bytes in a 40-byte file is refused before a buffer is allocated', () => {
    const rec = hostile('length-past-end')
    const file = new RecordFile(rec, statSync(rec).size)
    try {
      // Without the check each read allocates 512 MiB first; allocation shows in arrayBuffers.
      const before = process.memoryUsage().arrayBuffers
      let peak = before
      for (let i = 0; i < 4; i++) {
        expect(() => file.read(0)).toThrow(
          /length-past-end\.rec: truncated: record at byte 0 declares 536870911 bytes at byte 8, but the file holds only 32 more/
        )
        peak = Math.max(peak, process.memoryUsage().arrayBuffers)
      }
      expect(peak - before).toBeLessThan(2 ** 20)
    } finally {
      file.close()
    }
    expect(() => indexRecordIO(rec)).toThrow(/length-past-end\.rec: no readable image records/)
  })

  it('multi-part records: joined as Python joins them, bounded by a record size limit, and never unended', () => {
    const rec = hostile('multipart-3k')
    const file = new RecordFile(rec, statSync(rec).size)
    const { image } = unpackHeader(file.read(0), rec)
    file.close()
    expect(sha1(image)).toBe(JSON.parse(python('read-rec', rec))[0].sha1)
    expect(image.length).toBe(976 + 4 + 1000 + 4 + 1000)
    const capped = new RecordFile(rec, statSync(rec).size, 2048)
    expect(() => capped.read(0)).toThrow(
      /multipart-3k\.rec: record at byte 0 is over 2048 bytes \(3 parts so far\): not an image record/
    )
    capped.close()
    expect(() => indexRecordIO(rec, { maxRecordBytes: 2048 })).toThrow(/multipart-3k\.rec: no readable image records/)

    const unended = hostile('multipart-unended')
    expect(() => indexRecordIO(unended)).toThrow(
      /multipart-unended\.rec: no readable image records \(the first problem: truncated: multi-part record at byte 0 is missing its end\)/
    )
    const reader = new RecordFile(unended, statSync(unended).size)
    expect(() => reader.read(0)).toThrow(/multipart-unended\.rec: truncated: multi-part record at byte 0 is missing its end/)
    reader.close()

    const middle = hostile('continuation-first')
    const midReader = new RecordFile(middle, statSync(middle).size)
    expect(() => midReader.read(0)).toThrow(
      /continuation-first\.rec: record at byte 0 starts with a continuation part \(flag 2\)/
    )
    midReader.close()
  })

  it('an .idx listing one key twice, or a line with a third number, is refused with its line', () => {
    const rec = join(dir, 'twice.rec')
    const writer = new RecordIOWriter(rec)
    for (let key = 0; key < 3; key++) writer.write(key, { flag: 0, label: [key], id: key, id2: 0 }, new Uint8Array(8))
    writer.finish()
    const lines = readFileSync(indexPathFor(rec), 'utf8').trim().split('\n')
    writeFileSync(indexPathFor(rec), [lines[2], lines[0], lines[1], '1\t0'].join('\n') + '\n')
    expect(() => indexRecordIO(rec)).toThrow(/twice\.idx: key 1 is listed twice \(lines 3 and 4\)/)
    writeFileSync(indexPathFor(rec), `${lines[0]}\n1\t40\t7\n`)
    expect(() => indexRecordIO(rec)).toThrow(/twice\.idx: line 2 is not "index<TAB>offset": "1\\t40\\t7"/)
    writeFileSync(indexPathFor(rec), `${lines[0]}\n1\t99999999999999999999\n`)
    expect(() => indexRecordIO(rec)).toThrow(/twice\.idx: line 2 is not "index<TAB>offset"/)
  })

  it('an .idx with more lines than its .rec could hold records is refused as it is read', () => {
    const rec = hostile('label-1e8') // 44 bytes: room for one record of 32 bytes or more
    writeFileSync(indexPathFor(rec), Array.from({ length: 100_000 }, (_, key) => `${key}\t0\n`).join(''))
    expect(() => indexRecordIO(rec)).toThrow(/label-1e8\.idx: lists more than 2 records, more than its \.rec can hold/)
  })
})
