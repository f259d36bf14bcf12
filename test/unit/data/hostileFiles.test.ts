/**
 * Verification files written to hurt the reader: pickles with negative or huge lengths and
 * huge number text, a .bin that references one image millions of times, and pair lists that
 * name devices, pipes, network shares, folders or oversized files. Each must fail quickly with
 * an error naming the file and the problem, or (for shared references) read as what it is.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspectDataset } from '../../../src/core/data/inspect'
import { readPairsCsv, readPairsTxt, readVerificationBin } from '../../../src/core/data/pairSets'
import { PickleError, unpickle } from '../../../src/core/data/pickle'
import { MAX_IMAGE_FILE_BYTES, readRegularFile, refusedPath } from '../../../src/core/data/userFiles'
import { PYTHON } from '../../helpers/python'
import { encodeImage, identityPixels, tempDir } from './fixtures'

let dir: string
const posix = process.platform !== 'win32'
if (!posix)
  console.warn(
    '[hostileFiles] SKIPPED the pipe and /dev checks: Windows has no mkfifo or /dev (its UNC and device names are checked instead)'
  )
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

beforeAll(() => {
  dir = tempDir('dsoftmax-hostile-')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('pickle lengths and numbers from the file', () => {
  it('refuses the 7-byte BINSTRING of length -5 (it once looped until the heap ran out)', () => {
    const file = bytes(0x80, 0x02, 0x54, 0xfb, 0xff, 0xff, 0xff)
    expect(() => unpickle(file, 'seven.bin')).toThrow(PickleError)
    expect(() => unpickle(file, 'seven.bin')).toThrow(/^seven\.bin: cannot read the pickle: invalid length -5/)
  })

  it('refuses every negative or over-long length before allocating', () => {
    const cases: [string, Uint8Array][] = [
      ['BINSTRING -1', bytes(0x80, 0x02, 0x54, 0xff, 0xff, 0xff, 0xff, 0x2e)],
      ['BINSTRING 2e31', bytes(0x80, 0x02, 0x54, 0xff, 0xff, 0xff, 0x7f, 0x2e)],
      ['BINBYTES 2e32', bytes(0x80, 0x03, 0x42, 0xff, 0xff, 0xff, 0xff, 0x2e)],
      ['BINUNICODE 2e32', bytes(0x80, 0x03, 0x58, 0xff, 0xff, 0xff, 0xff, 0x2e)],
      ['BINBYTES8 2e64', bytes(0x80, 0x04, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2e)],
      ['BINUNICODE8 2e53', bytes(0x80, 0x04, 0x8d, 0x01, 0, 0, 0, 0, 0, 0x20, 0, 0x2e)],
      ['BYTEARRAY8 1e9', bytes(0x80, 0x05, 0x96, 0x00, 0xca, 0x9a, 0x3b, 0, 0, 0, 0, 0x2e)]
    ]
    for (const [label, data] of cases) {
      expect(() => unpickle(data, `${label}.bin`), label).toThrow(
        new RegExp(`^${label}\\.bin: cannot read the pickle: (invalid length|truncated)`)
      )
    }
  })

  it('refuses number text longer than Python itself converts', () => {
    const long = new TextEncoder().encode(`L${'9'.repeat(100_000)}L\n.`)
    expect(() => unpickle(long, 'long.bin')).toThrow(/long\.bin: .*100001 characters/)
  })

  it('refuses APPEND/APPENDS onto something that is not a list', () => {
    expect(() => unpickle(bytes(0x80, 0x02, 0x4e, 0x4e, 0x61, 0x2e), 'append.bin')).toThrow(/append\.bin: .*APPEND to a non-list/)
    expect(() => unpickle(bytes(0x80, 0x02, 0x4e, 0x28, 0x4e, 0x65, 0x2e), 'appends.bin')).toThrow(
      /appends\.bin: .*APPENDS to a non-list/
    )
  })
})

describe('a .bin that references one image two million times', () => {
  it('reads it as one image and a million pairs, without hashing or decoding it a million times', async () => {
    const image = join(dir, 'one.png')
    writeFileSync(image, await encodeImage(identityPixels(0, 0, 16), 16, 16, 'png'))
    const file = join(dir, 'repeated.bin')
    // Python's pickler memoizes the one bytes object: each further reference is a 2-byte BINGET.
    execFileSync(PYTHON, [
      '-c',
      'import pickle,sys; b=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(pickle.dumps(([b]*2000000, [True]*1000000), protocol=4))',
      image,
      file
    ])
    const encoded = await readVerificationBin(file)
    expect(encoded.sources).toEqual([`${file} image 0`])
    expect(encoded.pairs.length).toBe(1_000_000)
    expect(encoded.pairs.every((p) => p.a === 0 && p.b === 0 && p.same)).toBe(true)
  }, 60_000)
})

describe('pair lists that name things other than image files', () => {
  let good: string
  beforeAll(async () => {
    good = join(dir, 'good.png')
    writeFileSync(good, await encodeImage(identityPixels(1, 0, 16), 16, 16, 'png'))
  })

  it('refuses network (UNC) and device paths as the list is read, naming list and line', async () => {
    const devices = posix ? ['/dev/zero', '/proc/self/mem'] : ['C:\\data\\CON', 'nul.jpg']
    for (const path of [
      '\\\\attacker\\share\\a.jpg',
      '//attacker/share/a.jpg',
      '\\\\.\\PhysicalDrive0',
      '\\\\?\\C:\\x.jpg',
      ...devices
    ]) {
      const list = join(dir, 'named.csv')
      writeFileSync(list, `${JSON.stringify(path)},${good},1\n`)
      await expect(readPairsCsv(list), path).rejects.toThrow(
        /named\.csv line 1: the image path .* (is a network \(UNC\) or device path|is a device or system path|names a Windows device)/
      )
    }
  })

  it('refuses identity names in pairs.txt that are paths', async () => {
    for (const name of ['../../etc', '\\\\attacker\\share', 'a/b']) {
      const list = join(dir, 'pairs.txt')
      writeFileSync(list, `1 1\n${name} 1 2\n`)
      await expect(readPairsTxt(list, dir), name).rejects.toThrow(/pairs\.txt line 2: .* is not an identity folder name/)
    }
  })

  it('knows the Windows device names, with extensions and trailing dots', () => {
    for (const path of ['C:\\data\\CON', 'nul.jpg', 'images\\com1.png', 'LPT9', 'aux.', 'CONIN$'])
      expect(refusedPath(path, 'win32'), path).toMatch(/Windows device/)
    for (const path of ['C:\\data\\console.jpg', 'nullify.png', 'com10.jpg']) expect(refusedPath(path, 'win32'), path).toBeNull()
    expect(refusedPath('con.jpg', 'linux')).toBeNull()
  })

  it.runIf(posix)(
    'refuses a pipe, a folder and an oversized file when they are loaded, without blocking on the pipe',
    async () => {
      const fifo = join(dir, 'pipe.jpg')
      execFileSync('mkfifo', [fifo])
      mkdirSync(join(dir, 'folder.jpg'))
      const big = join(dir, 'big.jpg')
      closeSync(openSync(big, 'w'))
      execFileSync('truncate', ['-s', String(MAX_IMAGE_FILE_BYTES + 1), big])
      const list = join(dir, 'odd.csv')
      writeFileSync(list, `pipe.jpg,folder.jpg,1\nbig.jpg,good.png,0\n`)
      const encoded = await readPairsCsv(list)
      await expect(encoded.load(encoded.sources.indexOf(fifo))).rejects.toThrow(`${fifo}: is not a regular file (a pipe)`)
      await expect(encoded.load(encoded.sources.indexOf(join(dir, 'folder.jpg')))).rejects.toThrow(
        /folder\.jpg: is not a regular file \(a folder\)/
      )
      await expect(encoded.load(encoded.sources.indexOf(big))).rejects.toThrow(/big\.jpg: is \d+ bytes, over the limit of/)
      expect((await encoded.load(encoded.sources.indexOf(good))).length).toBeGreaterThan(0)
    }
  )

  it.runIf(posix)('inspection lists a named pipe as an unreadable image, once by name and once by problem', async () => {
    const fifo = join(dir, 'inspect-pipe.jpg')
    execFileSync('mkfifo', [fifo])
    const list = join(dir, 'inspect.csv')
    writeFileSync(list, `inspect-pipe.jpg,good.png,1\n`)
    const report = await inspectDataset(list)
    expect(report.problems.unreadable).toEqual([{ path: fifo, problem: 'is not a regular file (a pipe)' }])
  })

  it.runIf(posix)('refuses a list or .bin that is itself a device or a pipe', async () => {
    await expect(readPairsCsv('/dev/zero')).rejects.toThrow(/^\/dev\/zero: is a device or system path/)
    const fifo = join(dir, 'list-pipe.csv')
    execFileSync('mkfifo', [fifo])
    await expect(readPairsCsv(fifo)).rejects.toThrow(`${fifo}: is not a regular file (a pipe)`)
    await expect(readVerificationBin(fifo)).rejects.toThrow(`${fifo}: is not a regular file (a pipe)`)
    await expect(readRegularFile(join(dir, 'missing.csv'), 10)).rejects.toThrow(/missing\.csv: file not found/)
  })
})
