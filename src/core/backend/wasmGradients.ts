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
  const cropped =
    cropTop || cropLeft || keepH !== h || keepW !== w ? tf.slice(t, [0, cropTop, cropLeft, 0], [-1, keepH, keepW, -1]) : t
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

/**
 * Input gradient as forward convolutions (XNNPACK on wasm) instead of wasm's Conv2DBackpropInput
 * loop. A strided conv's input gradient splits into sh·sw phases: output rows i ≡ r (mod sh) only
 * receive the filter rows kh ≡ (r + top) (mod sh). Each phase is a stride-1 correlation of dy with
 * that sub-filter, rotated 180°; the phases are then interleaved. This does exactly the forward
 * pass's MACs, measured 1.3–1.5× faster than zero-inserting dy into one big correlation and
 * 3–9× faster than the wasm kernel.
 * `depthwise`: the filter is [kh, kw, c, m]; each phase runs depthwise over dy's c·m channels and
 * the m outputs per input channel are summed.
 */
function inputGrad(dy: Tensor4D, filter: Tensor4D, info: tf.backend_util.Conv2DInfo, depthwise: boolean): Tensor4D {
  const [kh, kw, ci, co] = filter.shape
  const { inHeight, inWidth, strideHeight: sh, strideWidth: sw } = info
  const [b, oh, ow] = dy.shape
  const qh = Math.ceil(inHeight / sh)
  const qw = Math.ceil(inWidth / sw)

  const phase = (r: number, c: number): Tensor4D => {
    const h0 = (r + info.padInfo.top) % sh
    const w0 = (c + info.padInfo.left) % sw
    const th = h0 < kh ? Math.ceil((kh - h0) / sh) : 0
    const tw = w0 < kw ? Math.ceil((kw - w0) / sw) : 0
    if (!th || !tw) return tf.zeros([b, qh, qw, ci])
    // Output row q of this phase reads dy rows q + (r + top − h0)/sh − t for taps t = 0…th−1.
    const top = th - 1 - (r + info.padInfo.top - h0) / sh
    const left = tw - 1 - (c + info.padInfo.left - w0) / sw
    const [fitted, pads] = fitRows(dy, top, qh + th - 1 - oh - top, left, qw + tw - 1 - ow - left)
    const taps = tf.reverse(tf.stridedSlice(filter, [h0, w0, 0, 0], [kh, kw, ci, co], [sh, sw, 1, 1]), [0, 1]) as Tensor4D
    if (!depthwise) return tf.conv2d(fitted, tf.transpose(taps, [0, 1, 3, 2]) as Tensor4D, 1, pads)
    const perChannel = tf.depthwiseConv2d(fitted, tf.reshape(taps, [th, tw, ci * co, 1]), 1, pads)
    return co === 1 ? perChannel : tf.sum<Tensor4D>(tf.reshape(perChannel, [b, qh, qw, ci, co]), 4)
  }

  if (sh === 1 && sw === 1) return phase(0, 0)
  // Interleave with concat on rank-3 views; wasm's Pack (tf.stack) measured ~5× slower.
  const rows: Tensor[] = []
  for (let r = 0; r < sh; r++) {
    const cols: Tensor[] = []
    for (let c = 0; c < sw; c++) cols.push(tf.reshape(phase(r, c), [b * qh * qw, 1, ci]))
    rows.push(tf.reshape(tf.concat(cols, 1), [b * qh, 1, qw * sw * ci]))
  }
  const woven = tf.reshape<tf.Rank.R4>(tf.concat(rows, 1), [b, qh * sh, qw * sw, ci])
  return qh * sh === inHeight && qw * sw === inWidth ? woven : tf.slice(woven, [0, 0, 0, 0], [b, inHeight, inWidth, ci])
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
 * Depthwise filter gradient as one depthwise convolution, with the batch folded into channels:
 * x → [1, H, W, c·b], dy → a filter [oh, ow, c·b, m] dilated by the stride; the output
 * [1, kh, kw, c·b·m] summed over b is dW. Measured 2–7× faster than a slice-multiply-reduce per
 * tap: wasm's Slice and StridedSlice are plain loops and dominated that version.
 */
function depthwiseFilterGrad(x: Tensor4D, dy: Tensor4D, filterShape: number[], info: tf.backend_util.Conv2DInfo): Tensor4D {
  const [kh, kw, c, m] = filterShape
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight, inWidth } = info
  const { top, left } = info.padInfo
  const b = x.shape[0]
  const bottom = kh + (oh - 1) * sh - inHeight - top
  const right = kw + (ow - 1) * sw - inWidth - left
  const folded = tf.reshape<tf.Rank.R4>(tf.transpose(x, [1, 2, 3, 0]), [1, inHeight, inWidth, c * b])
  const [fitted, pads] = fitRows(folded, top, bottom, left, right)
  const kernel = tf.reshape<tf.Rank.R4>(tf.transpose(tf.reshape(dy, [b, oh, ow, c, m]), [1, 2, 3, 0, 4]), [oh, ow, c * b, m])
  const out = tf.depthwiseConv2d(fitted, kernel, 1, pads, 'NHWC', [sh, sw])
  return tf.sum<Tensor4D>(tf.reshape(out, [kh, kw, c, b, m]), 3)
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
