import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  IDENTITY,
  apply,
  dragRotation,
  multiply,
  projectGreatCircles,
  projectPoints,
  rotationX,
  rotationY,
  type Vec3
} from '../../../../../src/renderer/src/lib/sphere'
import { pca2d } from '../../../../../src/renderer/src/lib/pca'
import { describeAngle, describeCosine } from '../../../../../src/renderer/src/lib/angles'

describe('sphere projection', () => {
  it('rotations are orthonormal and compose', () => {
    const r = multiply(rotationX(0.7), rotationY(-1.3))
    const v = apply(r, [0.3, -0.4, 0.5])
    expect(Math.hypot(...v)).toBeCloseTo(Math.hypot(0.3, -0.4, 0.5), 12)
    // R·Rᵀ = I
    const t: typeof r = [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]]
    multiply(r, t).forEach((value, i) => expect(value).toBeCloseTo(IDENTITY[i], 12))
  })

  it('a quarter-turn drag to the right brings +z (facing the viewer) to screen right', () => {
    const rotation = dragRotation(IDENTITY, 100, 0, Math.PI / 200) // 100 px × π/200 = 90°
    const [p] = projectPoints([[0, 0, 1]], rotation, { x: 100, y: 100 }, 50)
    expect(p.x).toBeCloseTo(150, 9)
    expect(p.y).toBeCloseTo(100, 9)
    expect(p.depth).toBeCloseTo(0, 9)
  })

  it('maps world +y up on screen, normalizes points, and sorts back to front', () => {
    const points: Vec3[] = [
      [0, 0, 2],
      [0, 3, 0],
      [0, 0, -1]
    ]
    const projected = projectPoints(points, IDENTITY, { x: 0, y: 0 }, 10)
    expect(projected.map((p) => p.index)).toEqual([2, 1, 0])
    const up = projected.find((p) => p.index === 1)
    expect(up?.y).toBeCloseTo(-10, 12)
  })
})

describe('great circles', () => {
  it('lie within the sphere outline, and the equator seen edge-on is a horizontal line', () => {
    const circles = projectGreatCircles(IDENTITY, { x: 50, y: 50 }, 40, 32)
    expect(circles).toHaveLength(3)
    for (const circle of circles) for (const p of circle) expect(Math.hypot(p.x - 50, p.y - 50)).toBeLessThanOrEqual(40 + 1e-9)
    for (const p of circles[0]) expect(p.y).toBeCloseTo(50, 12)
  })
})

describe('pca2d', () => {
  it('matches NumPy SVD: explained variance and projections up to sign', () => {
    // Deterministic correlated data in 5-D.
    const rows: number[][] = []
    let seed = 7
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5
    for (let i = 0; i < 60; i++) {
      const a = rand() * 4
      const b = rand() * 1.5
      rows.push([a + 0.1 * rand(), 2 * a - b, b, 0.3 * rand(), -a + 0.5 * b + 0.05 * rand()])
    }
    const script = [
      'import json,sys,numpy as np',
      'x=np.array(json.load(sys.stdin));x=x-x.mean(0)',
      'u,s,vt=np.linalg.svd(x,full_matrices=False)',
      'var=s**2/len(x)',
      'print(json.dumps({"proj":(x@vt[:2].T).tolist(),"explained":(var[:2]/var.sum()).tolist()}))'
    ].join('\n')
    const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(rows) }).toString()) as {
      proj: number[][]
      explained: number[]
    }
    const result = pca2d(rows)
    expect(result.explained[0]).toBeCloseTo(expected.explained[0], 8)
    expect(result.explained[1]).toBeCloseTo(expected.explained[1], 8)
    for (const axis of [0, 1]) {
      const sign = Math.sign(result.points[0][axis]) === Math.sign(expected.proj[0][axis]) ? 1 : -1
      result.points.forEach((p, i) => expect(sign * p[axis]).toBeCloseTo(expected.proj[i][axis], 6))
    }
  })

  it('handles empty input', () => {
    expect(pca2d([])).toEqual({ points: [], explained: [0, 0] })
  })
})

describe('angles', () => {
  it('shows margins in radians and degrees', () => {
    expect(describeAngle(0.5)).toBe('0.5 rad = 28.65°')
    expect(describeCosine(0.9)).toBe(`${Number(Math.acos(0.9).toFixed(4))} rad = 25.84°`)
    expect(describeCosine(1.5)).toBe('not a cosine')
  })
})
