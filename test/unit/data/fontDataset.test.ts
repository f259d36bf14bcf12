import { mkdtemp, readFile, rm, writeFile, cp, unlink, truncate } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  charLabels,
  defaultResourcesDir,
  fontLabels,
  FONT_DATASET_FOLDS,
  FontDatasetError,
  glyphImage,
  loadFontDataset,
  type FontDataset
} from '../../../src/core/data'

const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

let ds: FontDataset

beforeAll(async () => {
  ds = await loadFontDataset()
})

describe('bundled font dataset', () => {
  it('resolves the resources folder and loads', () => {
    expect(path.basename(defaultResourcesDir())).toBe('resources')
    expect(ds.size).toBe(32)
    expect(ds.chars).toBe(CHARS)
    expect(ds.fonts.length).toBeGreaterThanOrEqual(500)
    expect(ds.images.length).toBe(ds.fonts.length * 62 * 32 * 32)
  })

  it('has complete font records and unique names', () => {
    const names = new Set<string>()
    for (const f of ds.fonts) {
      expect(f.name.length).toBeGreaterThan(0)
      expect(f.package).toMatch(/^(fonts-|ttf-)/)
      expect(f.license.length).toBeGreaterThan(0)
      expect(f.file.length).toBeGreaterThan(0)
      expect(Array.isArray(f.aliases)).toBe(true)
      names.add(f.name)
    }
    expect(names.size).toBe(ds.fonts.length)
  })

  it('has ink in every glyph, ink high on a dark background', () => {
    const px = ds.size * ds.size
    let border = 0
    let borderPx = 0
    const empty: number[] = []
    const img = ds.images
    for (let i = 0; i < ds.fonts.length * 62; i++) {
      const o = i * px
      let ink = 0
      for (let k = 0; k < px; k++) ink += img[o + k]
      if (ink === 0) empty.push(i)
      for (let k = 0; k < ds.size; k++) border += img[o + k] // top row
      borderPx += ds.size
    }
    expect(empty).toEqual([])
    // background is 0: the top row is almost always empty
    expect(border / borderPx).toBeLessThan(10)
    expect(glyphImage(ds, 3, 10).length).toBe(px)
  })

  it('exposes character and font labels', () => {
    const c = charLabels(ds)
    const f = fontLabels(ds)
    expect(c.length).toBe(ds.fonts.length * 62)
    expect(c[0]).toBe(0)
    expect(c[61]).toBe(61)
    expect(c[62]).toBe(0)
    expect(f[61]).toBe(0)
    expect(f[62]).toBe(1)
  })

  it('splits identities disjointly, covering all, about 70/10/20', () => {
    const { train, val, test } = ds.split
    const all = [...train, ...val, ...test]
    expect(new Set(all).size).toBe(all.length)
    expect(all.length).toBe(ds.fonts.length)
    expect([...all].sort((a, b) => a - b)).toEqual(ds.fonts.map((_, i) => i))
    const n = ds.fonts.length
    expect(Math.abs(train.length / n - 0.7)).toBeLessThan(0.01)
    expect(Math.abs(val.length / n - 0.1)).toBeLessThan(0.01)
    expect(Math.abs(test.length / n - 0.2)).toBeLessThan(0.01)
  })

  it('has balanced LFW-style folds with sound genuine and impostor pairs', () => {
    expect(ds.pairs.test.length).toBeGreaterThanOrEqual(6000)
    expect(ds.pairs.val.length).toBeGreaterThanOrEqual(1200)
    for (const part of ['val', 'test'] as const) {
      const pairs = ds.pairs[part]
      const inSplit = new Set(ds.split[part])
      expect(pairs.length % FONT_DATASET_FOLDS).toBe(0)
      const foldLen = pairs.length / FONT_DATASET_FOLDS
      const keys = new Set<string>()
      for (let k = 0; k < FONT_DATASET_FOLDS; k++) {
        const fold = pairs.slice(k * foldLen, (k + 1) * foldLen)
        expect(fold.filter((p) => p.same).length).toBe(foldLen / 2)
        const charsOf = (same: boolean) =>
          fold
            .filter((p) => p.same === same)
            .map((p) => `${p.a % 62},${p.b % 62}`)
            .sort()
        // the same character pairs for genuine and impostor: a character classifier learns nothing
        expect(charsOf(true)).toEqual(charsOf(false))
      }
      for (const p of pairs) {
        const fa = Math.floor(p.a / 62)
        const fb = Math.floor(p.b / 62)
        expect(inSplit.has(fa) && inSplit.has(fb)).toBe(true)
        expect(p.a % 62).not.toBe(p.b % 62)
        if (p.same) expect(fa).toBe(fb)
        else expect(fa).not.toBe(fb)
        const key = p.a < p.b ? `${p.a}-${p.b}` : `${p.b}-${p.a}`
        expect(keys.has(key), `repeated pair ${key}`).toBe(false)
        keys.add(key)
      }
    }
  })

  it('keeps no near-duplicate fonts (mean |a-b| on [0,1] >= 5e-3, all pairs)', () => {
    const n = ds.fonts.length
    const per = 62 * ds.size * ds.size
    const px = ds.size * ds.size
    // lower bound: mean over chars of |mean ink difference| <= mean abs difference
    const means = new Float64Array(n * 62)
    for (let i = 0; i < n * 62; i++) {
      let s = 0
      for (let k = 0; k < px; k++) s += ds.images[i * px + k]
      means[i] = s / px / 255
    }
    let candidates = 0
    let minMad = Infinity
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let lb = 0
        for (let c = 0; c < 62; c++) lb += Math.abs(means[i * 62 + c] - means[j * 62 + c])
        if (lb / 62 >= 5e-3) continue
        candidates++
        let d = 0
        const a = i * per
        const b = j * per
        for (let k = 0; k < per; k++) d += Math.abs(ds.images[a + k] - ds.images[b + k])
        const mad = d / per / 255
        minMad = Math.min(minMad, mad)
        expect(mad, `${ds.fonts[i].name} vs ${ds.fonts[j].name}`).toBeGreaterThanOrEqual(5e-3)
      }
    }
    expect(candidates).toBeGreaterThanOrEqual(0)
  })
})

describe('font dataset validation', () => {
  let tmp: string
  const src = path.join(defaultResourcesDir(), 'fonts')

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'fontds-'))
  })
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true })
  })

  async function copy(name: string): Promise<string> {
    const dir = path.join(tmp, name, 'fonts')
    await cp(src, dir, { recursive: true })
    return dir
  }
  async function editIndex(
    dir: string,
    edit: (idx: Record<string, unknown> & { atlas: Record<string, unknown>[]; fonts: unknown[] }) => void
  ) {
    const file = path.join(dir, 'index.json')
    const idx = JSON.parse(await readFile(file, 'utf8'))
    edit(idx)
    await writeFile(file, JSON.stringify(idx))
  }

  it('loads a copy through DSOFTMAX_RESOURCES and through a resources dir', async () => {
    const dir = await copy('ok')
    const old = process.env.DSOFTMAX_RESOURCES
    process.env.DSOFTMAX_RESOURCES = path.dirname(dir)
    try {
      expect(defaultResourcesDir()).toBe(path.dirname(dir))
      const copyDs = await loadFontDataset()
      expect(copyDs.fonts.length).toBe(ds.fonts.length)
      expect(Buffer.compare(Buffer.from(copyDs.images), Buffer.from(ds.images))).toBe(0)
    } finally {
      if (old === undefined) delete process.env.DSOFTMAX_RESOURCES
      else process.env.DSOFTMAX_RESOURCES = old
    }
    // the fonts folder itself works too
    expect((await loadFontDataset(dir)).fonts.length).toBe(ds.fonts.length)
  })

  it('names a missing atlas', async () => {
    const dir = await copy('missing-atlas')
    await unlink(path.join(dir, 'glyphs.png'))
    await expect(loadFontDataset(dir)).rejects.toThrow(/Font atlas not found: .*glyphs\.png/)
    await expect(loadFontDataset(dir)).rejects.toBeInstanceOf(FontDatasetError)
  })

  it('names a missing index', async () => {
    const dir = await copy('missing-index')
    await unlink(path.join(dir, 'index.json'))
    await expect(loadFontDataset(path.dirname(dir))).rejects.toThrow(/index not found: .*index\.json/)
  })

  it('rejects a truncated atlas (checksum) and says so', async () => {
    const dir = await copy('truncated')
    const file = path.join(dir, 'glyphs.png')
    const { size } = await import('node:fs/promises').then((m) => m.stat(file))
    await truncate(file, Math.floor(size / 2))
    await expect(loadFontDataset(dir)).rejects.toThrow(/glyphs\.png does not match index\.json .*truncated/)
  })

  it('rejects a truncated PNG when no checksum is recorded', async () => {
    const dir = await copy('truncated-nosum')
    const file = path.join(dir, 'glyphs.png')
    const { size } = await import('node:fs/promises').then((m) => m.stat(file))
    await truncate(file, Math.floor(size / 2))
    await editIndex(dir, (idx) => {
      delete idx.atlas[0].sha256
    })
    await expect(loadFontDataset(dir)).rejects.toThrow(/glyphs\.png could not be decoded \(truncated or corrupt PNG\?\)/)
  })

  it('rejects an atlas whose shape does not match the index', async () => {
    const dir = await copy('wrong-shape')
    const file = path.join(dir, 'glyphs.png')
    await sharp(Buffer.alloc(62 * 32 * 64), { raw: { width: 62 * 32, height: 64, channels: 1 } })
      .png()
      .toFile(file + '.tmp')
    await cp(file + '.tmp', file)
    await editIndex(dir, (idx) => {
      delete idx.atlas[0].sha256
    })
    await expect(loadFontDataset(dir)).rejects.toThrow(/glyphs\.png is 1984×64 px, index\.json expects 1984×\d+/)
  })

  it('rejects an index that does not match its atlas or splits', async () => {
    const dir = await copy('bad-index')
    await editIndex(dir, (idx) => {
      idx.fonts.pop()
    })
    await expect(loadFontDataset(dir)).rejects.toThrow(/index .*index\.json is invalid: .*hold \d+ fonts but "fonts" lists/)

    const dir2 = await copy('bad-split')
    await editIndex(dir2, (idx) => {
      const split = idx.split as { train: number[]; test: number[] }
      split.test.push(split.train[0])
    })
    await expect(loadFontDataset(dir2)).rejects.toThrow(/more than one split/)

    const dir3 = await copy('bad-json')
    await writeFile(path.join(dir3, 'index.json'), '{"size": 32,')
    await expect(loadFontDataset(dir3)).rejects.toThrow(/index\.json is not valid JSON/)
  })

  it('rejects pairs that leave their split', async () => {
    const dir = await copy('bad-pairs')
    const file = path.join(dir, 'pairs.json')
    const doc = JSON.parse(await readFile(file, 'utf8'))
    const idx = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'))
    doc.test[doc.test.length - 1][0] = idx.split.train[0]
    await writeFile(file, JSON.stringify(doc))
    await expect(loadFontDataset(dir)).rejects.toThrow(/pairs .*pairs\.json is invalid: test\[\d+\]/)
  })
})
