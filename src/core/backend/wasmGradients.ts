// Gradients that let the wasm backend train.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
// DepthwiseConv2dNativeBackpropInput or UnsortedSegmentSum kernels, so the stock gradients of
// Conv2D, DepthwiseConv2dNative and GatherV2 throw there. Its Conv2DBackpropInput exists but is
// a plain loop, ~10× slower than XNNPACK's forward convolution. We re-express every backward
// pass as forward convolutions (which wasm runs through XNNPACK) plus transposes and pads, and
// route to these only on backends that need them; everywhere else the original gradient runs.
import { createRequire } from 'node:module'
import { tf } from '../tf'
import type { Tensor, Tensor4D } from '../tf'

type Pads = [[number, number], [number, number], [number, number], [number, number]]
type GradConfig = ReturnType<typeof tf.getGradient>
type GradFunc = GradConfig['gradFunc']
type Attrs = Parameters<GradFunc>[2]

/** Kernels the stock gradients need, per forward kernel we override. */
const STOCK_NEEDS: Record<string, string[]> = {
  Conv2D: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  DepthwiseConv2dNative: ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
  GatherV2: ['UnsortedSegmentSum']
}

/** Kernels the wasm backend lacks for training (documented in the report and tests). */
export const WASM_MISSING_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum'
] as const

// Marks our configs so a second copy of this module (tests, bundles) does not wrap a wrapper.
const MARK = Symbol.for('dsoftmax.wasmGradient')

/** True where our formulation should run: always on wasm (faster even where a kernel exists), and
 *  on any backend missing a kernel the stock gradient needs. */
function useOurs(kernelName: string): boolean {
  const backend = tf.getBackend()
  if (backend === 'wasm') return true
  return STOCK_NEEDS[kernelName].some((k) => tf.getKernel(k, backend) == null)
}

function geometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: Attrs,
  depthwise: boolean,
  op: string
): tf.backend_util.Conv2DInfo {
  const a = attrs as unknown as {
    strides: number | [number, number]
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
    dilations?: number | [number, number]
    dimRoundingMode?: 'floor' | 'round' | 'ceil'
    dataFormat?: 'NHWC' | 'NCHW'
  }
  const dil = a.dilations ?? 1
  if (!(dil === 1 || (Array.isArray(dil) && dil[0] === 1 && dil[1] === 1))) {
    throw new Error(`Gradient of ${op}: dilations > 1 are not supported (got ${String(dil)})`)
  }
  if (a.dataFormat === 'NCHW') throw new Error(`Gradient of ${op}: only NHWC is supported on this backend`)
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, a.strides, 1, a.pad, a.dimRoundingMode, depthwise)
}

/**
 * Pads (positive) or crops (negative) rows/columns of an NHWC tensor so that a following
 * convolution with the returned explicit pads sees exactly the window we want. Cropping is needed
 * where a 'valid' or strided forward pass never read the last rows of the input.
 */
function fitRows(t: Tensor4D, top: number, bottom: number, left: number, right: number): [Tensor4D, Pads] {
  const [, h, w] = t.shape
  const cropTop = Math.max(0, -top)
  const cropLeft = Math.max(0, -left)
  const keepH = h - cropTop - Math.max(0, -bottom)
  const keepW = w - cropLeft - Math.max(0, -right)
  const cropped = cropTop || cropLeft || keepH !== h || keepW !== w ? tf.slice(t, [0, cropTop, cropLeft, 0], [-1, keepH, keepW, -1]) : t
  return [
    cropped,
    [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0]
    ]
  ]
}

/** Inserts stride−1 zeros after every row and column of dy: [b, oh, ow, c] → [b, oh·sh, ow·sw, c]. */
function dilateRows(dy: Tensor4D, sh: number, sw: number): Tensor4D {
  if (sh === 1 && sw === 1) return dy
  const [b, oh, ow, c] = dy.shape
  const spread = tf.pad(tf.reshape(dy, [b, oh, 1, ow, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0]
  ])
  return tf.reshape(spread, [b, oh * sh, ow * sw, c])
}

/**
 * Input gradient as a forward "full" correlation of the zero-dilated dy with the 180°-rotated
 * filter. Measured on wasm (1 thread, SIMD) 2–10× faster than its Conv2DBackpropInput kernel.
 * `depthwise`: dy channels are c·m; the rotated filter runs depthwise and the m outputs per input
 * channel are summed.
 */
function inputGrad(dy: Tensor4D, filter: Tensor4D, info: tf.backend_util.Conv2DInfo, depthwise: boolean): Tensor4D {
  const [kh, kw, ci, co] = filter.shape
  const { inHeight, inWidth, strideHeight: sh, strideWidth: sw } = info
  const d = dilateRows(dy, sh, sw)
  const top = kh - 1 - info.padInfo.top
  const left = kw - 1 - info.padInfo.left
  // A stride-1 valid correlation of (top + Hd + bottom) rows with kh taps yields inHeight rows.
  const bottom = inHeight + kh - 1 - d.shape[1] - top
  const right = inWidth + kw - 1 - d.shape[2] - left
  const [fitted, pads] = fitRows(d, top, bottom, left, right)
  const rotated = tf.reverse(filter, [0, 1])
  if (!depthwise) {
    return tf.conv2d(fitted, tf.transpose(rotated, [0, 1, 3, 2]) as Tensor4D, 1, pads)
  }
  const m = co
  const perChannel = tf.depthwiseConv2d(fitted, tf.reshape(rotated, [kh, kw, ci * m, 1]), 1, pads)
  if (m === 1) return perChannel
  const [b, h, w] = perChannel.shape
  return tf.sum(tf.reshape(perChannel, [b, h, w, ci, m]), 4)
}

/**
 * Filter gradient of a dense conv as one forward convolution: batch becomes the channel axis
 * (x → [ci, H, W, b]), dy becomes the filter (→ [oh, ow, b, co]) dilated by the stride, and the
 * output [ci, kh, kw, co] is the filter gradient. XNNPACK runs this ~2–3 GMAC/s; im2col + matMul
 * measured ~15× slower, wasm's Conv3DBackpropFilterV2 ~50× slower.
 */
function conv2dFilterGrad(x: Tensor4D, dy: Tensor4D, filterShape: number[], info: tf.backend_util.Conv2DInfo): Tensor4D {
  const [kh, kw] = filterShape
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight, inWidth } = info
  const { top, left } = info.padInfo
  const bottom = kh + (oh - 1) * sh - inHeight - top
  const right = kw + (ow - 1) * sw - inWidth - left
  const xt = tf.transpose(x, [3, 1, 2, 0]) as Tensor4D
  const [fitted, pads] = fitRows(xt, top, bottom, left, right)
  const kernel = tf.transpose(dy, [1, 2, 0, 3]) as Tensor4D
  const out = tf.conv2d(fitted, kernel, 1, pads, 'NHWC', [sh, sw])
  return tf.transpose(out, [1, 2, 0, 3])
}

/**
 * Depthwise filter gradient: one multiply-and-reduce per filter tap. dW[i, j, c, m] =
 * Σ_{b, y, x} xpad[b, y·sh + i, x·sw + j, c] · dy[b, y, x, c·m + m']. Filters are small (3×3,
 * 5×5), so the kh·kw strided slices cost less than reshaping into a dense convolution.
 */
function depthwiseFilterGrad(x: Tensor4D, dy: Tensor4D, filterShape: number[], info: tf.backend_util.Conv2DInfo): Tensor4D {
  const [kh, kw, c, m] = filterShape
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight, inWidth } = info
  const { top, left } = info.padInfo
  const bottom = kh + (oh - 1) * sh - inHeight - top
  const right = kw + (ow - 1) * sw - inWidth - left
  const [fitted, pads] = fitRows(x, top, bottom, left, right)
  const xp = tf.pad(fitted, pads)
  const b = x.shape[0]
  const dy5 = tf.reshape(dy, [b, oh, ow, c, m])
  const taps: Tensor[] = []
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const win = tf.stridedSlice(xp, [0, i, j, 0], [b, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c], [1, sh, sw, 1])
      const prod = m === 1 ? tf.mul(win, dy) : tf.mul(tf.reshape(win, [b, oh, ow, c, 1]), dy5)
      taps.push(tf.sum(prod, [0, 1, 2]))
    }
  }
  return tf.reshape(tf.stack(taps), [kh, kw, c, m])
}

function conv2dGrad(dy: Tensor, saved: Tensor[], attrs: Attrs): Record<string, () => Tensor> {
  const [x, filter] = saved as [Tensor4D, Tensor4D]
  const info = geometry(x.shape, filter.shape, attrs, false, 'conv2d')
  return {
    x: () => inputGrad(dy as Tensor4D, filter, info, false),
    filter: () => conv2dFilterGrad(x, dy as Tensor4D, filter.shape, info)
  }
}

function depthwiseGrad(dy: Tensor, saved: Tensor[], attrs: Attrs): Record<string, () => Tensor> {
  const [x, filter] = saved as [Tensor4D, Tensor4D]
  const info = geometry(x.shape, filter.shape, attrs, true, 'depthwiseConv2d')
  return {
    x: () => inputGrad(dy as Tensor4D, filter, info, true),
    filter: () => depthwiseFilterGrad(x, dy as Tensor4D, filter.shape, info)
  }
}

/** Gather's gradient with scatterND (which sums duplicate indices) instead of unsortedSegmentSum. */
function gatherGrad(dy: Tensor, saved: Tensor[], attrs: Attrs): Record<string, () => Tensor> {
  const [x, indices] = saved
  const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number }
  if (batchDims) throw new Error('Gradient of gather: batchDims > 0 is not supported on this backend')
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]
  return {
    x: () => {
      const outer = x.shape.slice(0, ax)
      const inner = x.shape.slice(ax + 1)
      const n = indices.size
      // Bring the gathered axis to the front: dy → [n, ...outer, ...inner].
      const values = tf.reshape(dy, [...outer, n, ...inner])
      const perm = [outer.length, ...outer.map((_, i) => i), ...inner.map((_, i) => outer.length + 1 + i)]
      const front = tf.transpose(values, perm)
      const idx = tf.reshape(tf.cast(indices, 'int32'), [n, 1])
      const summed = tf.scatterND(idx, front, [x.shape[ax], ...outer, ...inner])
      return tf.transpose(summed, tf.backend_util.getUndoAxesPermutation(perm))
    },
    indices: () => tf.zerosLike(indices)
  }
}

const OURS: Record<string, GradFunc> = {
  Conv2D: conv2dGrad as GradFunc,
  DepthwiseConv2dNative: depthwiseGrad as GradFunc,
  GatherV2: gatherGrad as GradFunc
}

const originals = new Map<string, GradConfig>()

/**
 * Registers our Conv2D, DepthwiseConv2dNative and GatherV2 gradients. Each wraps the stock one
 * and delegates to it unless the active backend is wasm or lacks a kernel the stock one needs.
 * Idempotent. Does not reach fused ops (tf.fused.conv2d with a bias or linear activation under
 * a gradient tape records its own custom gradient that calls Conv2DBackpropFilter): the trainer
 * must use plain tf.conv2d / tf.depthwiseConv2d.
 */
export function registerWasmGradients(): void {
  ensureStockGradients()
  for (const [kernelName, ours] of Object.entries(OURS)) {
    const current = tf.getGradient(kernelName) as (GradConfig & { [MARK]?: true }) | undefined
    if (current?.[MARK]) continue
    if (current) originals.set(kernelName, current)
    const stock = current?.gradFunc
    const config: GradConfig & { [MARK]: true } = {
      kernelName,
      inputsToSave: current?.inputsToSave ?? ['x', kernelName === 'GatherV2' ? 'indices' : 'filter'],
      outputsToSave: current?.outputsToSave,
      saveAllInputs: current?.saveAllInputs,
      gradFunc: (dy, saved, attrs) => (stock && !useOurs(kernelName) ? stock(dy, saved, attrs) : ours(dy, saved, attrs)),
      [MARK]: true
    }
    tf.registerGradient(config)
  }
}

/**
 * tfjs-core registers no gradients by itself; the @tensorflow/tfjs bundle does (its ESM source,
 * tfjs-core/dist/register_all_gradients, does not load under plain Node). Load them before
 * wrapping, or a later registration would silently replace ours.
 */
function ensureStockGradients(): void {
  if (tf.getGradient('Conv2D') && tf.getGradient('Sum')) return
  createRequire(import.meta.url)('@tensorflow/tfjs')
}

/** The stock gradient config we wrapped, for tests and diagnostics. */
export function originalGradient(kernelName: string): GradConfig | undefined {
  return originals.get(kernelName)
}
