// The dense heads' loss as one fused op with a closed-form gradient, so a step holds a few
// [batch, classes] buffers instead of the ~26 that automatic differentiation of the loss graph
// keeps alive (2.8 GiB at 100k classes, batch 256). Same values and gradients as lossFromCosines
// over the cosine matrix (the unfused reference, tested against each other).
//
// Per row i with target y, Z the [batch, classes] cosines (plain softmax: logits xWᵀ + b):
//   cross-entropy family   t = s·ψ(z_y), others s·Z_ik:
//                          intra = softplus(−t), inter = log(e^t + Σ_{k≠y} e^{s·Z_ik}) − softplus(t)
//   D-Softmax              intra = softplus(s·(d − z_y)), inter = log(1 + Σ_{k≠y} e^{s·Z_ik})
// Both need P_ik = e^{s·Z_ik − m_i}/S_i over the non-target columns (S_i the row's normaliser); the
// gradient is dZ_ik = s·dInter_i·P_ik off the target and a per-row value at it. The normalisation
// of x and of the centres is differentiated by hand as well: the normalised centre matrix is never
// built, its inverse row norms scale the [batch, classes] products instead.
import { tf } from '../tf'
import type { MarginShape } from './family'
import type { ResolvedLossParams, SampleParts } from './types'

const NORM_EPS = 1e-12

/** What the fused op computes for one loss. */
export type DenseLossShape =
  | { kind: 'cross-entropy'; normalize: boolean; scale: number; margin: MarginShape; params: ResolvedLossParams }
  | { kind: 'dsoftmax'; scale: number; d: number }

/** Runs `fn` on `input` and disposes `input` (an intermediate the caller owns). */
function consume<T extends tf.Tensor>(input: tf.Tensor, fn: (x: tf.Tensor) => T): T {
  const out = fn(input)
  if (out !== input) input.dispose()
  return out
}

/** ψ(z_y) and ψ'(z_y) of a margin on host-independent constants (no gradient flows through them). */
function targetAndSlope(
  margin: MarginShape,
  params: ResolvedLossParams,
  zy: tf.Tensor1D
): { psi: tf.Tensor1D; slope: tf.Tensor1D } {
  // A margin that returns its input untouched (NormFace, plain softmax) has no op to differentiate.
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor1D) => {
    const psi = margin.targetCosine(z, params)
    return psi === z ? tf.mul(z, 1) : psi
  })(zy)
  return { psi: value as tf.Tensor1D, slope: grad as tf.Tensor1D }
}

/**
 * Per-sample parts of a dense head on raw embeddings [batch, dim] and centres [classes, dim] (and
 * a bias [classes], plain softmax). Differentiable w.r.t. embeddings, centres and bias.
 */
export function fusedDenseParts(
  shape: DenseLossShape,
  embeddings: tf.Tensor2D,
  centres: tf.Tensor2D,
  labels: tf.Tensor1D,
  bias?: tf.Tensor1D
): SampleParts {
  const classes = centres.shape[0]
  const normalize = shape.kind === 'dsoftmax' || shape.normalize
  const s = shape.scale
  const labelIds = tf.cast(labels, 'int32') as tf.Tensor1D

  // The target cosine, its margin and the margin's slope, computed beside the op (and held as
  // constants by it): the op puts their gradient into Z's target column itself.
  const { zy, targetLogit, targetSlope } = tf.tidy(() => {
    const zyConst = targetCosineOffTape(normalize)(
      embeddings,
      centres,
      labelIds,
      ...(bias && !normalize ? [bias] : [])
    ) as tf.Tensor1D
    if (shape.kind === 'dsoftmax') return { zy: zyConst, targetLogit: undefined, targetSlope: undefined }
    const { psi, slope } = targetAndSlope(shape.margin, shape.params, zyConst)
    return { zy: zyConst, targetLogit: tf.mul(psi, s) as tf.Tensor1D, targetSlope: tf.mul(slope, s) as tf.Tensor1D }
  })
  // A variable outlives the step: the gradient reads it directly. Anything else is saved (a copy on wasm).
  const centresKept = centres instanceof tf.Variable

  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D
    const w = args[1] as tf.Tensor2D
    const save = args[args.length - 1] as tf.GradSaveFunc
    const b = bias ? (args[2] as tf.Tensor1D) : undefined
    // Cosines (or logits), with the pieces the gradient needs.
    const xScale = normalize ? tf.tidy(() => tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPS))) : null
    const wSquares = normalize ? tf.tidy(() => tf.sum(tf.square(w), 1)) : null
    const wScale = wSquares ? tf.tidy(() => tf.rsqrt(tf.maximum(wSquares, NORM_EPS))) : null
    const xn = xScale ? tf.mul(x, xScale) : x
    let z: tf.Tensor2D = tf.matMul(xn, w, false, true)
    if (wScale) z = consume(z, (t) => tf.mul(t, wScale)) as tf.Tensor2D
    if (b) z = consume(z, (t) => tf.add(t, b)) as tf.Tensor2D
    const stats = rowStatistics(z, labelIds, classes, s, shape.kind === 'dsoftmax' ? null : (targetLogit as tf.Tensor1D))
    const parts = tf.tidy(() => {
      if (shape.kind === 'dsoftmax') {
        return {
          intra: tf.softplus(tf.mul(tf.sub(shape.d, zy), s)) as tf.Tensor1D,
          inter: tf.add(stats.shift, tf.log(stats.total)) as tf.Tensor1D
        }
      }
      const t = targetLogit as tf.Tensor1D
      return {
        intra: tf.softplus(tf.neg(t)) as tf.Tensor1D,
        inter: tf.sub(tf.add(stats.shift, tf.log(stats.total)), tf.softplus(t)) as tf.Tensor1D
      }
    })
    // Everything the gradient reads goes through save(): the engine keeps it until backprop is done.
    const none = tf.scalar(0)
    const keep: tf.Tensor[] = [
      z,
      xn,
      stats.shift,
      stats.total,
      zy,
      labelIds,
      targetLogit ?? none,
      targetSlope ?? none,
      wScale ?? none,
      wSquares ?? none,
      xScale ?? none,
      centresKept ? none : w
    ]
    save(keep)
    // Our own references go (the engine holds clones of what it saved).
    new Set(keep).forEach(
      (t) => t !== x && t !== w && t !== zy && t !== labelIds && t !== targetLogit && t !== targetSlope && t.dispose()
    )
    // customGrad returns one tensor: the two parts stacked, [2, batch].
    return {
      value: tf.stack([parts.intra, parts.inter]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [dIntra, dInter] = tf.unstack(dy as tf.Tensor) as tf.Tensor1D[]
        const [savedZ, savedXn, shift, total, savedZy, savedLabels, t, targetScale] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor1D
        ]
        // Only saved tensors may be read here: the forward pass's inputs and intermediates are gone
        // by the time gradients run (tf.grad runs the forward in a tidy of its own).
        const [savedWScale, savedWSquares, savedXScale, savedCentres] = saved.slice(8) as [
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor2D,
          tf.Tensor2D
        ]
        const savedW = centresKept ? centres : savedCentres
        const targetGrad = tf.tidy(() => {
          if (shape.kind === 'dsoftmax') return tf.mul(dIntra, tf.mul(tf.sigmoid(tf.mul(tf.sub(shape.d, savedZy), s)), -s))
          const pTarget = tf.div(tf.exp(tf.sub(t, shift)), total)
          const dt = tf.add(tf.mul(dIntra, tf.neg(tf.sigmoid(tf.neg(t)))), tf.mul(dInter, tf.sub(pTarget, tf.sigmoid(t))))
          return tf.mul(dt, targetScale)
        }) as tf.Tensor1D
        // G = dL/dZ: s·dInter·P off the target column, targetGrad at it.
        let g = nonTargetExp(savedZ, savedLabels, classes, s, shift)
        g = consume(g, (e) =>
          tf.mul(
            e,
            tf.tidy(() => tf.expandDims(tf.div(tf.mul(dInter, s), total), 1))
          )
        ) as tf.Tensor2D
        const targetColumn = tf.tidy(() => tf.mul(tf.oneHot(savedLabels, classes, 1, 0, 'float32'), tf.expandDims(targetGrad, 1)))
        g = consume(g, (e) => tf.add(e, targetColumn)) as tf.Tensor2D
        targetColumn.dispose()
        targetGrad.dispose()
        if (!normalize) {
          const dx = tf.matMul(g, savedW)
          const dw = tf.matMul(g, savedXn, true, false)
          const db = bias ? tf.sum(g, 0) : null
          g.dispose()
          return db ? [dx, dw, db] : [dx, dw]
        }
        // Z = (x̂·Wᵀ)⊙wScale, x̂ = x·xScale: dW_k = Σ_i G_ik x̂_i·wScale_k − W_k·wScale_k²·Σ_i G_ik Z_ik
        // (no second term where the norm floor holds); dx̂ = (G⊙wScale)·W.
        const columnDot = tf.tidy(() => tf.sum(tf.mul(g, savedZ), 0))
        const scaled = consume(g, (e) => tf.mul(e, savedWScale)) as tf.Tensor2D
        const dxn = tf.matMul(scaled, savedW)
        const direct = tf.matMul(scaled, savedXn, true, false)
        scaled.dispose()
        const rowCoefficient = tf.tidy(() =>
          tf.expandDims(
            tf.mul(tf.mul(columnDot, tf.square(savedWScale)), tf.cast(tf.greater(savedWSquares, NORM_EPS), 'float32')),
            1
          )
        )
        columnDot.dispose()
        const radial = tf.mul(savedW, rowCoefficient)
        rowCoefficient.dispose()
        const dw = tf.sub(direct, radial)
        direct.dispose()
        radial.dispose()
        // x̂ = x/‖x‖: dx = (dx̂ − x̂·(x̂·dx̂))·xScale.
        const dx = tf.tidy(() => tf.mul(tf.sub(dxn, tf.mul(savedXn, tf.sum(tf.mul(savedXn, dxn), 1, true))), savedXScale))
        dxn.dispose()
        return [dx, dw]
      }
    }
  })
  try {
    const stacked = bias ? op(embeddings, centres, bias) : op(embeddings, centres)
    const [intra, inter] = tf.unstack(stacked) as tf.Tensor1D[]
    stacked.dispose()
    return { intra, inter }
  } finally {
    tf.dispose([labelIds, zy, ...(targetLogit ? [targetLogit] : []), ...(targetSlope ? [targetSlope] : [])])
  }
}

/**
 * Each row's target cosine (plain softmax: its logit), as a node of its own whose inputs are not
 * saved for backprop: a gather from the centres under the tape would copy the whole centre matrix
 * (wasm's clone copies). The loss never depends on it through the tape, so its gradient never runs.
 */
function targetCosineOffTape(normalize: boolean): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, labels, b] = args.slice(0, -1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D | undefined]
    const value = tf.tidy(() => {
      const rows = tf.gather(w, labels)
      const dot = tf.sum(tf.mul(x, rows), 1)
      if (normalize)
        return tf.div(
          dot,
          tf.mul(
            tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1), NORM_EPS)),
            tf.sqrt(tf.maximum(tf.sum(tf.square(rows), 1), NORM_EPS))
          )
        )
      return b ? tf.add(dot, tf.gather(b, labels)) : dot
    })
    return { value, gradFunc: () => args.slice(0, -1).map((t) => tf.zerosLike(t as tf.Tensor)) }
  }) as (...inputs: tf.Tensor[]) => tf.Tensor
}

/** e^{s·Z_ik − shift_i} with the target column zeroed: the non-target terms of a row's normaliser. */
function nonTargetExp(z: tf.Tensor2D, labels: tf.Tensor1D, classes: number, s: number, shift: tf.Tensor1D): tf.Tensor2D {
  let e: tf.Tensor2D = s === 1 ? (tf.clone(z) as tf.Tensor2D) : (tf.mul(z, s) as tf.Tensor2D)
  const column = tf.expandDims(shift, 1)
  e = consume(e, (t) => tf.sub(t, column)) as tf.Tensor2D
  column.dispose()
  e = consume(e, (t) => tf.exp(t)) as tf.Tensor2D
  const others = tf.oneHot(labels, classes, 0, 1, 'float32')
  e = consume(e, (t) => tf.mul(t, others)) as tf.Tensor2D
  others.dispose()
  return e
}

/**
 * Each row's shift (the largest logit, the fixed term included) and normaliser S = Σ_{k≠y} e^{s·Z_ik − shift}
 * + e^{fixed − shift}, where the fixed term is the target logit t (cross-entropy) or 0 (D-Softmax's 1).
 */
function rowStatistics(
  z: tf.Tensor2D,
  labels: tf.Tensor1D,
  classes: number,
  s: number,
  target: tf.Tensor1D | null
): { shift: tf.Tensor1D; total: tf.Tensor1D } {
  const shift = tf.tidy(() => {
    const rowMax = tf.mul(tf.max(z, 1), s)
    return tf.maximum(rowMax, target ?? tf.zerosLike(rowMax)) as tf.Tensor1D
  })
  const e = nonTargetExp(z, labels, classes, s, shift)
  const total = tf.tidy(() => tf.add(tf.sum(e, 1), tf.exp(tf.sub(target ?? 0, shift)))) as tf.Tensor1D
  e.dispose()
  return { shift, total }
}
