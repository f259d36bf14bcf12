// The bundled benchmark's split is by design, not by face: no family (and no design shipped
// under two names) is in two of train/val/test, and the val/test folds share no identity, as
// LFW's View 2 folds do. Checked on the committed resources/fonts files.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { defaultResourcesDir, FONT_DATASET_FOLDS, loadFontDataset, type FontDataset } from '../../../src/core/data'

let ds: FontDataset
const parts = ['train', 'val', 'test'] as const

beforeAll(async () => {
  ds = await loadFontDataset()
})

function splitOfFont(): Map<number, string> {
  const of = new Map<number, string>()
  for (const part of parts) for (const f of ds.split[part]) of.set(f, part)
  return of
}

/** Font indices used by each contiguous tenth of a pair list (a fold), read from the pairs. */
function fontsPerFold(part: 'val' | 'test'): Set<number>[] {
  const list = ds.pairs[part]
  const perFold = list.length / FONT_DATASET_FOLDS
  const n = ds.chars.length
  return Array.from({ length: FONT_DATASET_FOLDS }, (_, k) => {
    const fonts = new Set<number>()
    for (const p of list.slice(k * perFold, (k + 1) * perFold)) {
      fonts.add(Math.floor(p.a / n))
      fonts.add(Math.floor(p.b / n))
    }
    return fonts
  })
}

describe('font benchmark split', () => {
  it('puts every family name (any case and punctuation) in one split only', () => {
    const of = splitOfFont()
    const splitsOfFamily = new Map<string, Set<string>>()
    ds.fonts.forEach((font, i) => {
      const key = font.family.toLowerCase().replace(/[^a-z0-9]/g, '')
      const set = splitsOfFamily.get(key) ?? new Set<string>()
      set.add(of.get(i) ?? '?')
      splitsOfFamily.set(key, set)
    })
    const shared = [...splitsOfFamily].filter(([, s]) => s.size > 1).map(([k]) => k)
    expect(shared).toEqual([])
    // the old face-level split shared 125 of 283 test families with train; families are many
    expect(splitsOfFamily.size).toBeGreaterThan(800)
  })

  it('keeps a design sold under two names in one split (Liberation Serif / UKIJ Esliye, P052 / TeX Gyre Pagella)', () => {
    const of = splitOfFont()
    const byName = (name: string): number => {
      const i = ds.fonts.findIndex((f) => f.name === name)
      expect(i, name).toBeGreaterThanOrEqual(0)
      return i
    }
    for (const [a, b] of [
      ['Liberation Serif', 'UKIJ Esliye'],
      ['P052 Bold', 'TeXGyrePagella-Bold']
    ]) {
      expect(ds.fonts[byName(a)].group).toBe(ds.fonts[byName(b)].group)
      expect(of.get(byName(a))).toBe(of.get(byName(b)))
    }
  })

  it('keeps every design group in one split and in one fold', () => {
    const of = splitOfFont()
    const where = new Map<number, string>()
    const conflicts: string[] = []
    ds.fonts.forEach((font, i) => {
      const fold = (['val', 'test'] as const).map((p) => ds.folds[p].findIndex((f) => f.includes(i))).find((k) => k >= 0)
      const place = `${of.get(i)}/${fold ?? '-'}`
      const before = where.get(font.group)
      if (before !== undefined && before !== place) conflicts.push(`group ${font.group}: ${before} and ${place}`)
      where.set(font.group, place)
    })
    expect(conflicts).toEqual([])
  })

  it('draws each val and test fold from identities no other fold uses', () => {
    for (const part of ['val', 'test'] as const) {
      const folds = fontsPerFold(part)
      const seen = new Map<number, number>()
      const overlaps: string[] = []
      folds.forEach((fonts, k) => {
        for (const f of fonts) {
          if (seen.has(f)) overlaps.push(`${part}: font ${f} in folds ${seen.get(f)} and ${k}`)
          seen.set(f, k)
        }
        // enough identities per fold for impostor pairs to be varied
        expect(fonts.size).toBeGreaterThanOrEqual(part === 'test' ? 20 : 10)
      })
      expect(overlaps).toEqual([])
      // the folds read from the pairs are the recorded ones
      folds.forEach((fonts, k) => expect([...ds.folds[part][k]].filter((f) => fonts.has(f)).length).toBe(fonts.size))
    }
  })

  it('keeps the 70/10/20 proportions within two points', () => {
    const n = ds.fonts.length
    expect(Math.abs(ds.split.train.length / n - 0.7)).toBeLessThan(0.02)
    expect(Math.abs(ds.split.val.length / n - 0.1)).toBeLessThan(0.02)
    expect(Math.abs(ds.split.test.length / n - 0.2)).toBeLessThan(0.02)
  })
})

describe('the loader refuses a split that breaks these rules', () => {
  /** index.json and pairs.json, edited, in a fresh folder (the atlas is read after these checks). */
  interface IndexJson {
    split: { train: number[]; test: number[]; testFolds: number[][] }
    fonts: { group: number }[]
  }
  async function loadEdited(edit: (index: IndexJson, pairs: { test: number[][] }) => void): Promise<unknown> {
    const src = path.join(defaultResourcesDir(), 'fonts')
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fonts-split-'))
    try {
      const index = JSON.parse(await readFile(path.join(src, 'index.json'), 'utf8')) as IndexJson
      const pairs = JSON.parse(await readFile(path.join(src, 'pairs.json'), 'utf8')) as { test: number[][] }
      edit(index, pairs)
      await writeFile(path.join(dir, 'index.json'), JSON.stringify(index))
      await writeFile(path.join(dir, 'pairs.json'), JSON.stringify(pairs))
      return await loadFontDataset(dir).then(
        () => null,
        (e: unknown) => e
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  it('a test pair whose fonts belong to another fold', async () => {
    const error = await loadEdited((index, pairs) => {
      const other = index.split.testFolds[1][0]
      const genuine = pairs.test[0]
      pairs.test[0] = [other, genuine[1], other, genuine[3], 1]
    })
    expect(String(error)).toMatch(/pairs\.json is invalid: test\[0\] is in fold 0 but uses a font outside split\.testFolds\[0\]/)
  })

  it('a design group split between train and test', async () => {
    const error = await loadEdited((index) => {
      const trainFont = index.split.train[0]
      const testFont = index.split.test[0]
      index.fonts[testFont].group = index.fonts[trainFont].group
    })
    expect(String(error)).toMatch(/index\.json is invalid: design group \d+ has fonts in both train and test/)
  })
})
