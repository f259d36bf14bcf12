// Half-precision conversion checked against numpy's float32 → float16 cast (round to nearest
// even, subnormals, overflow), run fresh on values chosen to hit every branch.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { fromHalf, halfTable, toHalf } from '../../../src/core/losses/float16'
import { createRng } from '../../../src/core/util/rng'

function probeValues(): number[] {
  const rng = createRng(5)
  const values = [
    0,
    1,
    -1,
    65504,
    65519,
    65520,
    1e6,
    -1e6,
    6.1e-5,
    5.96e-8,
    2.98e-8,
    2.99e-8,
    1e-9,
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
    3e-5,
    Infinity,
    -Infinity
  ]
  for (let i = 0; i < 300; i++) values.push((rng.next() * 2 - 1) * 10 ** (rng.next() * 12 - 8))
  return values.map((v) => Math.fround(v))
}

describe('float16', () => {
  it('rounds like numpy float32 → float16 and decodes exactly', () => {
    const values = probeValues()
    const script =
      'import sys, json, numpy as np\nv = np.array(json.load(sys.stdin), dtype=np.float32)\n' +
      'print(json.dumps(v.astype(np.float16).view(np.uint16).tolist()))'
    const py = spawnSync('/usr/bin/python3', ['-c', script], {
      input: JSON.stringify(values.map((v) => (Number.isFinite(v) ? v : v > 0 ? 1e39 : -1e39))),
      encoding: 'utf8'
    })
    expect(py.status, `python3 with numpy is required for this reference: ${py.stderr}`).toBe(0)
    const expected = JSON.parse(py.stdout) as number[]
    values.forEach((v, i) => expect(toHalf(v), `toHalf(${v})`).toBe(expected[i]))
    // Decoding: every finite half is exactly representable; check against the formula's anchors.
    expect(fromHalf(0x3c00)).toBe(1)
    expect(fromHalf(0x7bff)).toBe(65504)
    expect(fromHalf(0x0001)).toBe(2 ** -24)
    expect(fromHalf(0xc000)).toBe(-2)
    expect(fromHalf(0x7c00)).toBe(Infinity)
    expect(Number.isNaN(fromHalf(0x7e00))).toBe(true)
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true)
  })

  it('toHalf inverts the table on every finite half', () => {
    const table = halfTable()
    const mismatches: string[] = []
    for (let bits = 0; bits < 65536; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue
      // −0 and +0 both decode to zero; the bit patterns keep the sign apart.
      if (toHalf(table[bits]) !== bits)
        mismatches.push(`0x${bits.toString(16)} → ${table[bits]} → 0x${toHalf(table[bits]).toString(16)}`)
    }
    expect(mismatches).toEqual([])
  })
})
