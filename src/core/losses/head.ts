// The classification head the trainer puts on top of the backbone: class centres (and a
// bias for plain softmax) and the loss on raw embeddings.
//
// Dense losses build the full [batch, classes] cosine matrix. D-Softmax-B and -K never
// do: planRows picks the centre rows a step needs (the batch's own classes and the
// negatives), and rowsLoss works on just those rows: a row-wise dot for the intra term,
// a [batch, K] matrix for the inter term.
import { tf } from '../tf'
import { fusedDenseParts, type DenseLossShape } from './denseHead'
import { dsoftmaxParts } from './dsoftmax'
import { LOSS_MODULES, assertBatch, lossFromCosines, meanParts } from './loss'
import { normalizeRows } from './ops'
import { checkedLossParams } from './params'
import { sampleClasses, sampleSize } from './sampling'
import type { LossName, LossParams, LossParts } from './types'

export interface HeadWeights {
  /** [classes, dim] class centres, one row per identity (raw; normalized when used). */
  centres: tf.Variable
  /** [classes] bias, plain softmax only. */
  bias?: tf.Variable
}

export type FastLossName = 'dsoftmax-b' | 'dsoftmax-k'

/** Losses whose step touches only some centre rows. */
export function isFastLoss(name: LossName): name is FastLossName {
  return name === 'dsoftmax-b' || name === 'dsoftmax-k'
}

/**
 * Centres drawn from N(0, 1/dim) so rows start near unit length (the normalized losses
 * see only directions; plain softmax gets logits of order ‖x‖). Bias zero, softmax only.
 */
export function createHeadWeights(name: LossName, classes: number, dim: number, seed: number): HeadWeights {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`classes must be a positive integer (got ${classes}).`)
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`dim must be a positive integer (got ${dim}).`)
  // Made inside tidy, so the initial tensors are released and only the variables remain.
  const centres = tf.tidy(() => tf.variable(tf.randomNormal([classes, dim], 0, 1 / Math.sqrt(dim), 'float32', seed)))
  if (name !== 'softmax') return { centres }
  return { centres, bias: tf.tidy(() => tf.variable(tf.zeros([classes]))) }
}

/** The centre rows one fast step uses. */
export interface RowPlan {
  /**
   * Distinct class ids to gather: the negatives first, ascending, then the batch's other labels,
   * ascending (the negatives are then one contiguous block: a slice, not a gather).
   */
  classes: Int32Array
  /** [batch] position in `classes` of each sample's own class. */
  targetSlots: Int32Array
  /** Positions in `classes` of the inter-term classes (in-batch classes, or the sample): 0, 1, …, n − 1. */
  negativeSlots: Int32Array
}

function checkClassIds(values: ArrayLike<number>, classes: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new Error(`${what}[${i}] = ${v} is not a class index in [0, ${classes}).`)
    }
  }
}

/**
 * Which rows a D-Softmax-B/-K step gathers. -B: the distinct labels of the batch, which
 * are also the negatives (or `sampledClasses`: a data-parallel share gets the whole batch's
 * labels there). -K: the batch's labels plus the negatives, which are `sampledClasses`
 * (deduplicated) or K classes drawn with `rng`.
 */
export function planRows(
  name: FastLossName,
  params: LossParams,
  labels: ArrayLike<number>,
  classes: number,
  sampledClasses?: ArrayLike<number>,
  rng: () => number = Math.random
): RowPlan {
  const p = checkedLossParams(name, params)
  checkClassIds(labels, classes, 'labels')
  let negatives: ArrayLike<number>
  if (name === 'dsoftmax-b' && sampledClasses === undefined) negatives = labels
  else if (sampledClasses !== undefined) {
    checkClassIds(sampledClasses, classes, 'sampledClasses')
    negatives = sampledClasses
  } else negatives = sampleClasses(classes, sampleSize(p, classes), rng)

  const negativeSet = new Set(Array.from(negatives))
  const sortedNegatives = Int32Array.from(negativeSet).sort()
  const others = Int32Array.from(new Set(Array.from(labels).filter((c) => !negativeSet.has(c)))).sort()
  const all = new Int32Array(sortedNegatives.length + others.length)
  all.set(sortedNegatives)
  all.set(others, sortedNegatives.length)
  const slot = new Map<number, number>()
  all.forEach((c, i) => slot.set(c, i))
  const slotOf = (c: number): number => slot.get(c) as number
  return {
    classes: all,
    targetSlots: Int32Array.from(Array.from(labels), slotOf),
    negativeSlots: Int32Array.from(sortedNegatives, (_, j) => j)
  }
}

/**
 * [batch, negatives] 1 where negative j counts for sample i: a row's own class is never its
 * negative, even when it was sampled. Built on the host (the plan is there already): a broadcast
 * NotEqual on wasm costs more than the whole cosine product.
 */
function negativeMaskOf(plan: RowPlan): Uint8Array {
  const { targetSlots, negativeSlots } = plan
  const n = negativeSlots.length
  const mask = new Uint8Array(targetSlots.length * n).fill(1)
  const position = new Map<number, number>()
  negativeSlots.forEach((slot, j) => position.set(slot, j))
  targetSlots.forEach((slot, i) => {
    const j = position.get(slot)
    if (j !== undefined) mask[i * n + j] = 0
  })
  return mask
}

/**
 * D-Softmax-B/-K loss from the gathered centre rows `rows` = W[plan.classes] (raw,
 * [plan.classes.length, dim]). Differentiable w.r.t. `embeddings` and `rows`, so a
 * trainer can hold the rows in a temporary variable and write back only those rows.
 */
export function rowsLoss(
  name: FastLossName,
  params: LossParams,
  embeddings: tf.Tensor2D,
  rows: tf.Tensor2D,
  plan: RowPlan
): LossParts {
  const p = checkedLossParams(name, params)
  if (rows.rank !== 2 || rows.shape[0] !== plan.classes.length || rows.shape[1] !== embeddings.shape[1]) {
    throw new Error(`rows must be [${plan.classes.length}, ${embeddings.shape[1]}], got shape [${rows.shape.join(', ')}].`)
  }
  if (plan.targetSlots.length !== embeddings.shape[0]) {
    throw new Error(`The plan covers ${plan.targetSlots.length} samples, the batch has ${embeddings.shape[0]}.`)
  }
  if (!plan.negativeSlots.every((slot, j) => slot === j))
    throw new Error("The plan's negatives must be its first rows (as planRows orders them).")
  return tf.tidy(() => {
    const x = normalizeRows(embeddings)
    const w = normalizeRows(rows)
    const targetSlots = tf.tensor1d(plan.targetSlots, 'int32')
    const targetCosine = tf.sum(tf.mul(x, tf.gather(w, targetSlots)), 1) as tf.Tensor1D
    const n = plan.negativeSlots.length
    const negativeRows = n === plan.classes.length ? w : tf.slice(w, [0, 0], [n, w.shape[1]])
    const negativeCosines = tf.matMul(x, negativeRows, false, true) as tf.Tensor2D
    const negativeMask = tf.tensor2d(negativeMaskOf(plan), [plan.targetSlots.length, plan.negativeSlots.length], 'bool')
    return meanParts(dsoftmaxParts(targetCosine, negativeCosines, negativeMask, p.s, p.d))
  })
}

/** How the fused dense op computes `name`, or null for a loss it does not cover (dense -B/-K). */
export function denseLossShape(name: LossName, params: LossParams): DenseLossShape | null {
  const p = checkedLossParams(name, params)
  if (name === 'dsoftmax') return { kind: 'dsoftmax', scale: p.s, d: p.d }
  const margin = LOSS_MODULES[name].margin
  if (!margin) return null
  return { kind: 'cross-entropy', normalize: name !== 'softmax', scale: margin.scale(p), margin, params: p }
}

/**
 * The loss on raw embeddings [batch, dim] for int32 labels [batch]. Dense losses: the fused op
 * (denseHead.ts) over cosines of normalized embeddings and centres (plain softmax: xWᵀ + b), equal
 * to lossFromCosines on that matrix with a few [batch, classes] buffers alive. D-Softmax-B/-K:
 * gathers only the rows planRows picks; this reads `labels` (and `sampledClasses`) back synchronously.
 */
export function headLoss(
  name: LossName,
  params: LossParams,
  embeddings: tf.Tensor2D,
  labels: tf.Tensor1D,
  weights: HeadWeights,
  sampledClasses?: tf.Tensor1D,
  rng: () => number = Math.random
): LossParts {
  assertBatch(embeddings, labels, 'embeddings')
  const [classes, dim] = weights.centres.shape
  if (embeddings.shape[1] !== dim) {
    throw new Error(`embeddings have ${embeddings.shape[1]} dimensions, the centres ${dim}.`)
  }
  if (isFastLoss(name)) {
    // -B's negatives are the batch's own labels here (lossFromCosines ignores a sample for it too).
    const plan = planRows(
      name,
      params,
      labels.dataSync(),
      classes,
      name === 'dsoftmax-k' ? sampledClasses?.dataSync() : undefined,
      rng
    )
    return tf.tidy(() => {
      const rows = tf.gather(weights.centres, tf.tensor1d(plan.classes, 'int32')) as tf.Tensor2D
      return rowsLoss(name, params, embeddings, rows, plan)
    })
  }
  const shape = classes >= 2 && sampledClasses === undefined ? denseLossShape(name, params) : null
  if (shape)
    return tf.tidy(() =>
      meanParts(
        fusedDenseParts(shape, embeddings, weights.centres as tf.Tensor2D, labels, weights.bias as tf.Tensor1D | undefined)
      )
    )
  return tf.tidy(() => {
    let cosines: tf.Tensor2D
    if (name === 'softmax') {
      const logits = tf.matMul(embeddings, weights.centres as tf.Tensor2D, false, true) as tf.Tensor2D
      cosines = weights.bias ? (tf.add(logits, weights.bias) as tf.Tensor2D) : logits
    } else {
      cosines = tf.matMul(normalizeRows(embeddings), normalizeRows(weights.centres as tf.Tensor2D), false, true)
    }
    return lossFromCosines(name, params, cosines, labels, sampledClasses, rng)
  })
}

/**
 * Keeps intra and inter alive past the tidy scope of tf.variableGrads, for the dashboards:
 *   let parts: LossParts | undefined
 *   const { value, grads } = tf.variableGrads(() => (parts = keepParts(headLoss(...))).loss)
 *   // read parts.intra / parts.inter, then dispose them (value is the loss)
 */
export function keepParts(parts: LossParts): LossParts {
  tf.keep(parts.intra)
  tf.keep(parts.inter)
  return parts
}
