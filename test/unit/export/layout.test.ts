// NHWC → NCHW weight layouts, element by element against the index formulas of each layout.
import { describe, expect, it } from 'vitest'
import { convKernelToOihw, denseRowsToChw, depthwiseKernelToOihw } from '../../../src/core/export/onnxGraph'

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i)

describe('weight layouts', () => {
  it('conv kernels go from [kh, kw, in, out] to [out, in, kh, kw]', () => {
    const [kh, kw, cin, cout] = [2, 3, 4, 5]
    const out = convKernelToOihw({ shape: [kh, kw, cin, cout], values: iota(kh * kw * cin * cout) })
    expect(out.shape).toEqual([cout, cin, kh, kw])
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            expect(out.values[o * cin * kh * kw + i * kh * kw + y * kw + x]).toBe(
              y * kw * cin * cout + x * cin * cout + i * cout + o
            )
  })

  it('depthwise kernels go from [kh, kw, c, 1] to grouped [c, 1, kh, kw]', () => {
    const [kh, kw, c] = [3, 2, 4]
    const out = depthwiseKernelToOihw({ shape: [kh, kw, c, 1], values: iota(kh * kw * c) })
    expect(out.shape).toEqual([c, 1, kh, kw])
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) expect(out.values[ch * kh * kw + y * kw + x]).toBe(y * kw * c + x * c + ch)
    expect(() => depthwiseKernelToOihw({ shape: [1, 1, 2, 2], values: iota(4) })).toThrow(/multiplier 2/)
  })

  it('dense rows reordered from (h, w, c) to (c, h, w) give the same product on a channel-major flatten', () => {
    const [h, w, c, units] = [2, 3, 4, 2]
    const kernel = { shape: [h * w * c, units], values: Float32Array.from({ length: h * w * c * units }, (_, i) => Math.sin(i)) }
    const map = Float32Array.from({ length: h * w * c }, (_, i) => Math.cos(3 * i)) // NHWC order
    const chw = new Float32Array(map.length)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) chw[(ch * h + y) * w + x] = map[(y * w + x) * c + ch]
    const permuted = denseRowsToChw(kernel, [h, w, c])
    for (let u = 0; u < units; u++) {
      let app = 0
      let onnx = 0
      for (let r = 0; r < map.length; r++) {
        app += map[r] * kernel.values[r * units + u]
        onnx += chw[r] * permuted.values[r * units + u]
      }
      expect(onnx).toBeCloseTo(app, 5)
    }
    expect(() => denseRowsToChw(kernel, [2, 2, 4])).toThrow(/24 rows.*16 values/)
  })
})
