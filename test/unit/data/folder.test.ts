import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openTrainingData, detectFormat } from '../../../src/core/data/open'
import { inspectDataset } from '../../../src/core/data/inspect'
import { blankPng, bmp24, encodeImage, identityPixels, snapshot, tempDir, writeIdentityFolder } from './fixtures'

let dir: string
let root: string
let cacheDir: string

// The messy folder every test looks at: 3 good identities (JPEG/PNG/WebP, a BMP, a non-ASCII name),
// one identity with only a broken image, one with one image, junk files and folders, a symlink
// loop, a truncated JPEG, a 40-megapixel PNG and a duplicate.
beforeAll(async () => {
  dir = tempDir('dsoftmax-folder-')
  root = join(dir, 'faces')
  cacheDir = join(dir, 'cache')
  await writeIdentityFolder(root, ['alice', 'bob', 'zoë-ñ'], 3)
  writeFileSync(join(root, 'bob', '9.bmp'), bmp24(identityPixels(1, 9, 24), 24, 24))
  const jpeg = await encodeImage(identityPixels(0, 5, 64), 64, 64, 'jpeg')
  writeFileSync(join(root, 'alice', 'cut.jpg'), jpeg.subarray(0, jpeg.length >> 1))
  writeFileSync(join(root, 'alice', 'huge.png'), blankPng(7300, 5500))
  writeFileSync(join(root, 'alice', 'copy.jpg'), readFileSync(join(root, 'alice', '0.jpg')))
  mkdirSync(join(root, 'broken'))
  writeFileSync(join(root, 'broken', 'x.jpg'), 'not an image at all')
  mkdirSync(join(root, 'solo'))
  writeFileSync(join(root, 'solo', 'a.png'), await encodeImage(identityPixels(4, 0, 24), 24, 24, 'png'))
  writeFileSync(join(root, 'README.txt'), 'loose file')
  writeFileSync(join(root, 'bob', 'notes.txt'), 'not an image')
  mkdirSync(join(root, 'bob', 'nested'))
  writeFileSync(join(root, 'bob', 'nested', 'deep.jpg'), jpeg)
  symlinkSync(join(root, 'loop'), join(root, 'loop')) // a link to itself: ELOOP
  symlinkSync('..', join(root, 'alice', 'up')) // a link back up: a nested folder, not followed
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('identity folders', () => {
  it('detects formats from paths', () => {
    expect(detectFormat(root).format).toBe('folder')
    expect(() => detectFormat(join(dir, 'nope'))).toThrow(/nope: no such file or folder/)
  })

  it('indexes the good images and names every problem, without touching the folder', async () => {
    const before = snapshot(root)
    const data = await openTrainingData(root, { inputSize: 16, channels: 3, cacheDir, workers: 0 })
    expect(data.classNames).toEqual(['alice', 'bob', 'solo', 'zoë-ñ'])
    expect(data.examples).toBe(3 + 1 + 4 + 1 + 3)
    const problems = Object.fromEntries(data.problems.map((p) => [p.path.slice(root.length + 1), p.problem]))
    expect(problems['alice/cut.jpg']).toMatch(/truncated JPEG/)
    expect(problems['alice/huge.png']).toMatch(/7300×5500 \(40\.1 megapixels\), over the 24-megapixel limit/)
    expect(problems['broken/x.jpg']).toMatch(/not a JPEG, PNG, WebP or BMP/)
    expect(problems['broken']).toMatch(/no readable image/)
    expect(problems['loop']).toBe('symbolic link loop')
    expect(snapshot(root)).toEqual(before)
    expect(readdirSync(cacheDir).length).toBe(1)
    // Every example decodes, the non-ASCII identity's included, each with its own label.
    const sample = await data.sample(100, 1)
    expect(sample.count).toBe(12)
    expect(sample.images.length).toBe(12 * 16 * 16 * 3)
    expect(Array.from(sample.labels).sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 3, 3, 3])
    await data.close()
  })

  it('inspect reports counts, histogram, sizes, duplicates and one-image identities; the cache answers the second time', async () => {
    const first = await inspectDataset(root, { cacheDir: join(dir, 'cache2') })
    expect(first).toMatchObject({ format: 'folder', identities: 4, images: 12, cached: 0 })
    expect(first.imagesPerIdentity).toMatchObject({ min: 1, max: 4, median: 3.5, mean: 3 })
    expect(first.imagesPerIdentity.histogram).toEqual([
      { bucket: '1', identities: 1 },
      { bucket: '3–5', identities: 3 }
    ])
    expect(first.sizes).toEqual([{ size: '24×24', images: 12 }])
    expect(first.kinds).toEqual({ jpeg: 4, png: 4, webp: 3, bmp: 1 }) // 3 of each over the 3 identities, + copy.jpg, solo's PNG, the BMP
    expect(first.problems.singleImageIdentities).toEqual(['solo'])
    expect(first.problems.emptyIdentities).toEqual(['broken'])
    expect(first.problems.duplicates).toEqual([
      { hash: expect.any(String), paths: [join(root, 'alice/0.jpg'), join(root, 'alice/copy.jpg')] }
    ])
    expect(first.problems.unreadable.map((u) => u.path.slice(root.length + 1)).sort()).toEqual([
      'alice/cut.jpg',
      'alice/huge.png',
      'broken/x.jpg'
    ])
    expect(first.problems.ignored).toBe(4) // README.txt, bob/notes.txt, bob/nested, alice/up
    expect(first.problems.other).toEqual([{ path: join(root, 'loop'), problem: 'symbolic link loop' }])
    const second = await inspectDataset(root, { cacheDir: join(dir, 'cache2') })
    expect(second.cached).toBe(15)
    expect({ ...second, seconds: 0, cached: 0 }).toEqual({ ...first, seconds: 0, cached: 0 })
  })

  it('inspect --decode finds corruption past the headers', async () => {
    const sub = join(dir, 'corrupt')
    mkdirSync(join(sub, 'a'), { recursive: true })
    const noise = Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 251)
    const bytes = await encodeImage(noise, 64, 64, 'jpeg')
    for (let i = bytes.length >> 2; i < bytes.length - 100; i++) bytes[i] = (i * 31) & 0xff // scramble the entropy data, keep both ends
    writeFileSync(join(sub, 'a', '0.jpg'), bytes)
    writeFileSync(join(sub, 'a', '1.jpg'), await encodeImage(noise, 64, 64, 'jpeg'))
    expect((await inspectDataset(sub, { cacheDir: null })).problems.unreadable).toEqual([])
    const deep = await inspectDataset(sub, { cacheDir: null, decode: true })
    expect(deep.problems.unreadable).toEqual([
      { path: join(sub, 'a', '0.jpg'), problem: expect.stringMatching(/cannot decode JPEG: .*[Cc]orrupt/) }
    ])
  })

  it('an empty folder and a folder with no readable image fail with the path and why', async () => {
    const empty = join(dir, 'empty')
    mkdirSync(empty)
    await expect(openTrainingData(empty, { inputSize: 16, channels: 3, cacheDir })).rejects.toThrow(
      `${empty}: no usable identity folders (root/<identity>/<image>): no images in identity subfolders`
    )
    const junk = join(dir, 'junk')
    mkdirSync(join(junk, 'x'), { recursive: true })
    writeFileSync(join(junk, 'x', 'a.jpg'), 'nope')
    await expect(openTrainingData(junk, { inputSize: 16, channels: 3, cacheDir })).rejects.toThrow(
      /junk: no usable identity folders .*1 image files, none readable/
    )
  })
})
