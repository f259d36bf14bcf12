import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pickleVerificationBin, unpickle, PickleError } from '../../../src/core/data/pickle'
import { openPairSet } from '../../../src/core/data/open'
import { readVerificationBin } from '../../../src/core/data/pairSets'
import { encodeImage, identityColour, identityPixels, python, sha1, tempDir } from './fixtures'

// A .bin of 4 pairs over 8 images: pair i = images 2i, 2i+1; same for even i. Image k shows
// identity k % 3, so decoded pixels tell which image landed where.
let dir: string
const images: string[] = []
const issame = [true, false, true, false]

function writeBin(name: string, protocol: number | 'py2' | 'py2-0', extra: Record<string, unknown> = {}): string {
  const out = join(dir, name)
  const spec = join(dir, `${name}.json`)
  writeFileSync(spec, JSON.stringify({ out, protocol, images, issame, ...extra }))
  python('write-bin', spec)
  return out
}

beforeAll(async () => {
  dir = tempDir('dsoftmax-bin-')
  for (let k = 0; k < 8; k++) {
    const path = join(dir, `img${k}.${k % 2 ? 'png' : 'jpg'}`)
    writeFileSync(path, await encodeImage(identityPixels(k % 3, k, 32), 32, 32, k % 2 ? 'png' : 'jpeg'))
    images.push(path)
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('verification .bin written by Python', () => {
  const expected = (): string[] => images.map((p) => sha1(readFileSync(p)))

  it.each([[0], [2], [3], [4], [5], ['py2' as const], ['py2-0' as const]])(
    'reads protocol %s with the exact bytes and flags',
    async (protocol) => {
      const file = writeBin(`p${protocol}.bin`, protocol)
      const encoded = await readVerificationBin(file)
      const bins = await Promise.all(encoded.sources.map((_, i) => encoded.load(i)))
      expect(bins.map(sha1)).toEqual(expected())
      expect(encoded.pairs).toEqual(issame.map((same, i) => ({ a: 2 * i, b: 2 * i + 1, same })))
    }
  )

  it('reads bytearray elements (protocol 5 BYTEARRAY8, protocol 2 REDUCE of bytearray)', async () => {
    for (const protocol of [2, 5]) {
      const encoded = await readVerificationBin(writeBin(`ba${protocol}.bin`, protocol, { container: 'bytearray' }))
      expect((await Promise.all(encoded.sources.map((_, i) => encoded.load(i)))).map(sha1)).toEqual(expected())
    }
  })

  it('openPairSet decodes every image to the model input', async () => {
    const set = await openPairSet(writeBin('lfw.bin', 4), { inputSize: 16, channels: 3 })
    expect(set.name).toBe('lfw')
    expect(set.images.count).toBe(8)
    const out = new Float32Array(16 * 16 * 3)
    for (let k = 0; k < 8; k++) {
      set.images.write(k, out, 0)
      const o = (14 * 16 + 8) * 3 // bottom centre: the identity colour
      identityColour(k % 3).forEach((c, ch) => expect(Math.abs((out[o + ch] + 1) * 127.5 - c)).toBeLessThan(10))
    }
  })

  it('our writer produces a .bin Python loads with the same images and flags', async () => {
    const bins = images.map((p) => new Uint8Array(readFileSync(p)))
    const file = join(dir, 'ours.bin')
    writeFileSync(file, pickleVerificationBin(bins, issame))
    expect(JSON.parse(python('read-bin', file))).toEqual({ bins: expected(), issame })
  })

  it('rejects pickles of the wrong shape and cut pickles, naming the file', async () => {
    await expect(readVerificationBin(writeBin('odd.bin', 4, { shape: 'odd' }))).rejects.toThrow(
      /odd\.bin: not a verification \.bin: .*holds 7 images for 4 pairs/
    )
    await expect(readVerificationBin(writeBin('dict.bin', 3, { shape: 'dict' }))).rejects.toThrow(
      /dict\.bin: not a verification \.bin/
    )
    const whole = readFileSync(writeBin('cut.bin', 3))
    writeFileSync(join(dir, 'cut.bin'), whole.subarray(0, whole.length >> 1))
    await expect(readVerificationBin(join(dir, 'cut.bin'))).rejects.toThrow(/cut\.bin: cannot read the pickle: truncated/)
  })

  it('refuses globals a data file does not need instead of running them', () => {
    const evil = new TextEncoder().encode("cos\nsystem\n(S'echo hi'\ntR.")
    expect(() => unpickle(evil, 'evil.bin')).toThrow(PickleError)
    expect(() => unpickle(evil, 'evil.bin')).toThrow(/evil\.bin: .*(os\.system|unsupported pickle opcode)/)
  })
})
