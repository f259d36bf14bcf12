// `dataset align` end to end through the CLI entry, in one worker thread: an identity folder of
// photos with a face, no face and a broken file → crops in the same layout, a summary and a
// report naming each reject; a second run keeps what is done; other settings are refused.
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/cli'
import type { CliIo } from '../../../src/cli/io'
import type { AlignFolderReport } from '../../../src/core/align/alignFolder'
import { writeFacePhotos } from '../align/fixtures'

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s)
  }
  return io
}

let dir: string
let source: string
let target: string

beforeAll(() => {
  dir = writeFacePhotos().dir
  source = join(dir, 'photos')
  target = join(dir, 'aligned')
  mkdirSync(join(source, 'astronaut'), { recursive: true })
  mkdirSync(join(source, 'things'))
  copyFileSync(join(dir, 'astronaut.png'), join(source, 'astronaut', 'front.png'))
  copyFileSync(join(dir, 'moved-rot-20.png'), join(source, 'astronaut', 'tilted.png'))
  copyFileSync(join(dir, 'coffee.png'), join(source, 'things', 'coffee.png'))
  writeFileSync(join(source, 'things', 'broken.jpg'), readFileSync(join(dir, 'astronaut.png')).subarray(0, 5000))
  writeFileSync(join(source, 'things', 'notes.txt'), 'not a photo')
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('dataset align', () => {
  it('aligns an identity folder, names every reject, writes a report, and resumes without redoing crops', async () => {
    const io = capture()
    expect(await main(['dataset', 'align', source, target, '--workers', '1'], io), io.err).toBe(0)
    expect(io.out).toMatch(/: 2 aligned, 2 rejected in [\d.]+ s \(1 worker, \w+\)/)
    expect(io.out).toMatch(/no face: 1\n {4}things\/coffee\.png: no face found/)
    expect(io.out).toMatch(/unreadable: 1\n {4}things\/broken\.jpg: \S+/)
    expect(io.err).toMatch(/100% 4\/4 photos/)
    for (const crop of ['astronaut/front.png', 'astronaut/tilted.png']) {
      expect(await sharp(join(target, crop)).metadata()).toMatchObject({ format: 'png', width: 112, height: 112, channels: 3 })
    }
    const report = JSON.parse(readFileSync(join(target, 'align-report.json'), 'utf8')) as AlignFolderReport
    expect(report.status).toBe('complete')
    expect(report.aligned.map((a) => a.crop)).toEqual(['astronaut/front.png', 'astronaut/tilted.png'])
    expect(report.rejected.map((r) => [r.source, r.reason])).toEqual([
      ['things/broken.jpg', 'unreadable'],
      ['things/coffee.png', 'no-face']
    ])

    const written = statSync(join(target, 'astronaut/front.png')).mtimeMs
    const again = capture()
    expect(await main(['dataset', 'align', source, target, '--workers', '1'], again), again.err).toBe(0)
    expect(again.out).toMatch(/: 0 aligned, 2 already aligned \(kept\), 2 rejected/)
    expect(statSync(join(target, 'astronaut/front.png')).mtimeMs).toBe(written)
  }, 180_000)

  it('refuses to add crops of other settings to an aligned folder, and bad options', async () => {
    const io = capture()
    expect(await main(['dataset', 'align', source, target, '--size', '160'], io)).toBe(1)
    expect(io.err).toMatch(/holds crops aligned with other settings \(size 112/)
    const bad = capture()
    expect(await main(['dataset', 'align', source, target, '--multi-face', 'all'], bad)).toBe(2)
    expect(bad.err).toMatch(/--multi-face must be one of largest, skip/)
    expect(await main(['dataset', 'align', source, target, '--size', '8'], bad)).toBe(2)
    expect(await main(['dataset', 'align', source, source], bad)).toBe(1)
    expect(bad.err).toMatch(/must differ from the photo folder/)
  })
})
