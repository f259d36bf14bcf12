import { execFileSync } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { isFarReliable, logFarGrid, rocOnGrid, thresholdForFar } from '../../../../../src/renderer/src/lib/threshold'

// A small score set; sklearn's roc_curve gives the reference points (independent computation).
const SCORES = [0.95, 0.9, 0.85, 0.8, 0.7, 0.65, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
const LABELS = [1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0]

function sklearnRoc(): { far: number[]; tar: number[]; thresholds: number[] } {
  const script = [
    'import json,sys',
    'from sklearn.metrics import roc_curve',
    'd=json.load(sys.stdin)',
    'f,t,th=roc_curve(d["y"],d["s"],drop_intermediate=False)',
    'print(json.dumps({"far":f.tolist(),"tar":t.tolist(),"thresholds":[x if x!=float("inf") else 1e308 for x in th.tolist()]}))'
  ].join('\n')
  const roc = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ y: LABELS, s: SCORES }) }).toString()
  ) as {
    far: number[]
    tar: number[]
    thresholds: number[]
  }
  roc.thresholds[0] = Number.POSITIVE_INFINITY
  return roc
}

let roc: { far: number[]; tar: number[]; thresholds: number[] }
beforeAll(() => {
  roc = sklearnRoc()
})

describe('thresholdForFar', () => {
  it('picks the most permissive threshold whose FAR meets the target (checked by counting)', () => {
    for (const target of [0, 1 / 6, 0.2, 2 / 6, 0.5, 1]) {
      const point = thresholdForFar(roc, target)
      expect(point).not.toBeNull()
      if (!point) continue
      // Recount directly from the scores at that threshold.
      const accepted = SCORES.map((s) => s >= point.threshold)
      const impostors = LABELS.filter((l) => l === 0).length
      const genuines = LABELS.length - impostors
      const far = accepted.filter((a, i) => a && LABELS[i] === 0).length / impostors
      const tar = accepted.filter((a, i) => a && LABELS[i] === 1).length / genuines
      expect(point.far).toBeCloseTo(far, 12)
      expect(point.tar).toBeCloseTo(tar, 12)
      expect(far).toBeLessThanOrEqual(target + 1e-12)
      // No lower threshold also meets the target.
      const lower = SCORES.filter((s) => s < point.threshold)
      for (const t of lower) {
        const farLower = SCORES.filter((s, i) => s >= t && LABELS[i] === 0).length / impostors
        expect(farLower).toBeGreaterThan(target)
      }
    }
  })

  it('returns null when only the accept-nothing point qualifies', () => {
    expect(thresholdForFar({ far: [0, 0.5, 1], tar: [0, 1, 1], thresholds: [Infinity, 0.5, 0.1] }, 0.1)).toBeNull()
  })

  it('flags FAR below 10 / impostor pairs as unreliable', () => {
    expect(isFarReliable(1e-3, 10_000)).toBe(true)
    expect(isFarReliable(1e-4, 10_000)).toBe(false)
    expect(isFarReliable(0.1, 0)).toBe(false)
  })
})

describe('rocOnGrid', () => {
  it('is the step function max TAR with FAR ≤ grid value', () => {
    const grid = logFarGrid(25, 1e-2)
    expect(grid[0]).toBeCloseTo(1e-2, 15)
    expect(grid[24]).toBeCloseTo(1, 15)
    const resampled = rocOnGrid(roc, grid)
    grid.forEach((g, i) => {
      const reachable = roc.tar.filter((_, j) => roc.far[j] <= g)
      expect(resampled[i]).toBe(Math.max(...reachable))
    })
  })
})
