import { beforeAll, describe, expect, it } from 'vitest'
import { loadFontDataset, fontImageSet, fontPairSet, writeGrayImage, type FontDataset } from '../../../src/core/data'
import { createRng } from '../../../src/core/util/rng'

let dataset: FontDataset
beforeAll(async () => {
  dataset = await loadFontDataset()
})

describe('writeGrayImage', () => {
  // 3×3 source with distinct values; background −1.
  const src = Uint8Array.from([0, 51, 102, 153, 204, 255, 10, 20, 30])
  const scaled = (v: number): number => v / 127.5 - 1

  it('scales to [-1, 1] without augmentation', () => {
    const out = new Float32Array(9)
    writeGrayImage(src, 0, 3, out, 0, 0, 0, false, -1)
    expect(Array.from(out)).toEqual(Array.from(src).map((v) => expect.closeTo(scaled(v), 6)))
  })

  it('shifts right/down with background fill', () => {
    const out = new Float32Array(9)
    writeGrayImage(src, 0, 3, out, 0, 1, 1, false, -1)
    expect(out[0]).toBe(-1)
    expect(out[2]).toBe(-1)
    expect(out[4]).toBeCloseTo(scaled(0), 6) // (1,1) ← (0,0)
    expect(out[8]).toBeCloseTo(scaled(204), 6) // (2,2) ← (1,1)
  })

  it('mirrors rows', () => {
    const out = new Float32Array(9)
    writeGrayImage(src, 0, 3, out, 0, 0, 0, true, -1)
    expect(out[0]).toBeCloseTo(scaled(102), 6)
    expect(out[2]).toBeCloseTo(scaled(0), 6)
  })
})

describe('font task adapters', () => {
  it('labels the training split by font: 62 images per class, class c = c-th training font', () => {
    const set = fontImageSet(dataset, 'train')
    expect(set.classes).toBe(dataset.split.train.length)
    expect(set.count).toBe(62 * set.classes)
    const perClass = new Int32Array(set.classes)
    set.labels.forEach((l) => perClass[l]++)
    expect(perClass.every((n) => n === 62)).toBe(true)
    expect(set.classNames[3]).toBe(dataset.fonts[dataset.split.train[3]].name)
    // Example 62·3 + 5 is font train[3], character 5: the atlas pixels, scaled.
    const out = new Float32Array(32 * 32)
    set.write(62 * 3 + 5, out, 0)
    const atlas = dataset.images.subarray((dataset.split.train[3] * 62 + 5) * 1024, (dataset.split.train[3] * 62 + 6) * 1024)
    expect(Array.from(out)).toEqual(Array.from(atlas).map((v) => expect.closeTo(v / 127.5 - 1, 6)))
  })

  it('labels by character for the Figure 1 study', () => {
    const set = fontImageSet(dataset, 'test', 'character')
    expect(set.classes).toBe(62)
    expect(set.classNames.join('')).toBe(dataset.chars)
    expect(set.labels[62 + 10]).toBe(10)
  })

  it('shift augmentation moves the glyph by at most the configured pixels, reproducibly', () => {
    const set = fontImageSet(dataset, 'train')
    const a = new Float32Array(1024)
    const b = new Float32Array(1024)
    set.write(7, a, 0, { augment: { shift: 2, flip: false }, rng: createRng(3) })
    set.write(7, b, 0, { augment: { shift: 2, flip: false }, rng: createRng(3) })
    expect(Array.from(a)).toEqual(Array.from(b))
    const ink = (img: Float32Array): number => img.reduce((s, v) => s + (v + 1), 0)
    const plain = new Float32Array(1024)
    set.write(7, plain, 0)
    // Shifting by ≤ 2 px may push at most a 2-pixel border of ink out of the frame.
    expect(ink(a)).toBeLessThanOrEqual(ink(plain) + 1e-3)
  })

  it('exposes the split pairs with images from the whole atlas', () => {
    const pairs = fontPairSet(dataset, 'test')
    expect(pairs.pairs.length).toBeGreaterThanOrEqual(6000)
    expect(pairs.images.count).toBe(dataset.fonts.length * 62)
  })
})
