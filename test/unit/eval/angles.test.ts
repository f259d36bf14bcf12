// Angle metrics on configurations whose answer is known in closed form, and against numpy.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  angleReport,
  centreCollapseWarning,
  classMeanDirections,
  interClassAngles,
  intraClassAngles
} from '../../../src/core/eval/angles'
import { createRng } from '../../../src/core/util/rng'

const rad = (deg: number): number => (deg * Math.PI) / 180
const at = (deg: number, length = 1): number[] => [length * Math.cos(rad(deg)), length * Math.sin(rad(deg))]

describe('angles', () => {
  it('2-D: samples symmetric about their class direction give that direction and their spread', () => {
    // Class 0 at ±10° around 0°, class 1 at ±20° around 90°; lengths differ (directions only count).
    const embeddings = [...at(10, 3), ...at(-10, 0.5), ...at(70, 2), ...at(110, 7)]
    const labels = [0, 0, 1, 1]
    const dirs = classMeanDirections(embeddings, 2, labels, 2)
    expect(dirs[0]).toBeCloseTo(1, 12)
    expect(dirs[1]).toBeCloseTo(0, 12)
    expect(dirs[2]).toBeCloseTo(0, 12)
    expect(dirs[3]).toBeCloseTo(1, 12)
    const intra = intraClassAngles(embeddings, 2, labels, dirs)
    expect(intra.perClass[0]).toBeCloseTo(10, 10)
    expect(intra.perClass[1]).toBeCloseTo(20, 10)
    expect(intra.mean).toBeCloseTo(15, 10)
    expect(intra.max).toBeCloseTo(20, 10)
    const inter = interClassAngles(dirs, 2)
    expect(inter.min).toBeCloseTo(90, 10)
    expect(inter.closest).toEqual([0, 1])
  })

  it('the mean intra-class angle weighs samples, not classes', () => {
    // Class 0: three samples at ±4° and 0° → angles 4, 4, 0; class 1: two at ±30°.
    const embeddings = [...at(4), ...at(-4), ...at(0), ...at(150), ...at(210)]
    const intra = intraClassAngles(embeddings, 2, [0, 0, 0, 1, 1], classMeanDirections(embeddings, 2, [0, 0, 0, 1, 1], 2))
    expect(intra.mean).toBeCloseTo((4 + 4 + 0 + 30 + 30) / 5, 10)
    expect(intra.perClass[0]).toBeCloseTo(8 / 3, 10)
  })

  it('3-D: tilted samples around three orthogonal axes; the tetrahedral minimum angle', () => {
    const t = rad(7)
    const embeddings: number[] = []
    const labels: number[] = []
    for (let k = 0; k < 3; k++) {
      const [u, v] = [(k + 1) % 3, (k + 2) % 3]
      for (const [du, dv] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1]
      ]) {
        const e = [0, 0, 0]
        e[k] = Math.cos(t)
        e[u] = du * Math.sin(t)
        e[v] = dv * Math.sin(t)
        embeddings.push(...e)
        labels.push(k)
      }
    }
    const report = angleReport(embeddings, 3, labels, 3)
    expect(report.intra.mean).toBeCloseTo(7, 10)
    expect(report.inter.min).toBeCloseTo(90, 10)
    expect(report.collapsed).toBe(false)
    expect(report.warnings).toEqual([])
    // Regular tetrahedron: every pair at acos(−1/3) ≈ 109.47°.
    const tetra = [1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1]
    const inter = interClassAngles(tetra, 3)
    expect(inter.min).toBeCloseTo((Math.acos(-1 / 3) * 180) / Math.PI, 10)
    expect(inter.mean).toBeCloseTo(inter.min, 10)
  })

  it('keeps precision at tiny angles, where acos of the dot product would not', () => {
    const eps = 1e-6 // radians
    const inter = interClassAngles([1, 0, 0, Math.cos(eps), Math.sin(eps), 0, 0, 0, 1], 3)
    expect(inter.min / ((eps * 180) / Math.PI)).toBeCloseTo(1, 6)
    expect(inter.closest).toEqual([0, 1])
  })

  it('warns about collapsed classes, by name, for embeddings and for the learned centres', () => {
    const embeddings = [...at(0), ...at(2), ...at(1), ...at(-1), ...at(120), ...at(121)]
    const labels = [0, 0, 1, 1, 2, 2]
    const centres = [...at(0), ...at(90), ...at(91.5)]
    const report = angleReport(embeddings, 2, labels, 3, { centres, classNames: ['a', 'b', 'c'] })
    expect(report.inter.min).toBeCloseTo(1, 10)
    expect(report.inter.closest).toEqual([0, 1])
    expect(report.centres?.min).toBeCloseTo(1.5, 10)
    expect(report.centres?.closest).toEqual([1, 2])
    expect(report.collapsed).toBe(true)
    expect(report.warnings).toHaveLength(2)
    expect(report.warnings[0]).toMatch(/class collapse: the mean embedding directions of a and b are 1\.00° apart \(below 5°\)/)
    expect(report.warnings[1]).toMatch(/learned class centres of b and c are 1\.50° apart/)
    // The threshold is a choice of the caller.
    expect(angleReport(embeddings, 2, labels, 3, { collapseDegrees: 0.5 }).collapsed).toBe(false)
  })

  it('checks the learned centres of any run on their own', () => {
    const centres = [...at(0, 2), ...at(90, 0.1), ...at(93, 5)]
    expect(centreCollapseWarning(centres, 2, { classNames: ['x', 'y', 'z'] })).toMatch(
      /centres of y and z are 3\.00° apart \(below 5°\)/
    )
    expect(centreCollapseWarning(centres, 2, { collapseDegrees: 2 })).toBeNull()
    expect(centreCollapseWarning([...at(0), ...at(120), ...at(240)], 2)).toBeNull()
    // Too many classes for the exact pairwise check: no verdict rather than a stall.
    expect(centreCollapseWarning(centres, 2, { maxClasses: 2 })).toBeNull()
  })

  it('rejects a class without samples, a zero embedding and labels out of range', () => {
    expect(() => classMeanDirections([1, 0, 0, 1], 2, [0, 2], 3)).toThrow('class 1 has no samples')
    expect(() => classMeanDirections([1, 0, 0, 0], 2, [0, 1], 2)).toThrow('embedding 1 has no direction')
    expect(() => classMeanDirections([1, 0, 0, 1], 2, [0, 5], 2)).toThrow('label 1 = 5 is not a class in [0, 2)')
    expect(() => classMeanDirections([1, 0, 0], 2, [0], 1)).toThrow('3 values are not whole rows of 2')
  })

  it('agrees with an independent numpy computation on random clustered 3-D data', () => {
    const rng = createRng(17)
    const [n, dim, classes] = [300, 3, 6]
    const labels = Array.from({ length: n }, (_, i) => i % classes)
    const embeddings = labels.flatMap((k) => [0, 1, 2].map((d) => (d === k % 3 ? (k < 3 ? 3 : -3) : 0) + rng.normal()))
    const script = `
import json, sys, numpy as np
d = json.load(sys.stdin); x = np.array(d['x']).reshape(-1, 3); y = np.array(d['y'])
x = x / np.linalg.norm(x, axis=1, keepdims=True)
m = np.stack([x[y == k].sum(0) for k in range(6)]); m = m / np.linalg.norm(m, axis=1, keepdims=True)
intra = np.degrees(np.arccos(np.clip((x * m[y]).sum(1), -1, 1)))
c = np.degrees(np.arccos(np.clip(m @ m.T, -1, 1))); c[np.eye(6, dtype=bool)] = np.inf
print(json.dumps({'intra': intra.mean(), 'min': c.min()}))`
    const ref = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ x: embeddings, y: labels }) }).toString()
    ) as { intra: number; min: number }
    const report = angleReport(embeddings, dim, labels, classes)
    expect(report.intra.mean).toBeCloseTo(ref.intra, 8)
    expect(report.inter.min).toBeCloseTo(ref.min, 8)
  })
})
