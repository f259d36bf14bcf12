// IEEE 754 half precision in plain JS (Node 20 has no Float16Array): the centre store's optional
// compact storage. Conversion rounds to nearest, ties to even, like numpy's float32 → float16.

const scratch = new Float32Array(1)
const scratchBits = new Uint32Array(scratch.buffer)

/** The half-precision bit pattern nearest to `value` (overflow gives ±Infinity, NaN stays NaN). */
export function toHalf(value: number): number {
  scratch[0] = value
  const bits = scratchBits[0]
  const sign = (bits >>> 16) & 0x8000
  const exponent = (bits >>> 23) & 0xff
  const mantissa = bits & 0x7fffff
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0)
  // Re-bias the exponent from float32's 127 to half's 15.
  const e = exponent - 112
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa, implicit bit included, into place.
    if (e < -10) return sign
    const full = mantissa | 0x800000
    const shift = 14 - e
    const half = full >>> shift
    const rest = full & ((1 << shift) - 1)
    const midpoint = 1 << (shift - 1)
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0))
  }
  const half = (e << 10) | (mantissa >>> 13)
  const rest = mantissa & 0x1fff
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0))
}

/** The number a half-precision bit pattern stands for. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >>> 10) & 0x1f
  const mantissa = bits & 0x3ff
  if (exponent === 0) return sign * mantissa * 2 ** -24
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
}

let table: Float32Array | null = null

/** Every half value as float32, indexed by bit pattern: decoding is then one array read. */
export function halfTable(): Float32Array {
  if (!table) table = Float32Array.from({ length: 65536 }, (_, bits) => fromHalf(bits))
  return table
}
