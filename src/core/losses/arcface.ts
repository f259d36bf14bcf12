// ArcFace (additive angular margin): target logit s·cos(θ_y + m).
//
// cos(θ + m) is expanded as z·cos m − sin θ·sin m, sin θ = sqrt(max(1 − z², 1e-12)): no
// acos, an exact forward value at z = ±1 (a clamp to 1 − ε would shift the target by
// sin m·sqrt(2ε) there), and a finite derivative: at |z| = 1 the floor takes over and only
// the z·cos m term carries gradient; just inside, 1 − z² is at least one float32 step.
//
// Fallback (marginFallback), where the margined cosine is not used:
//   'continuous' (default): when θ + m > π (z < −cos m), where cos(θ + m) would start rising
//     again, the target is z − (1 − cos m), the cosine shifted down by the margin's cost at
//     θ = π − m: it meets cos(θ + m) = −1 exactly at the switch, so the target stays continuous
//     and monotone in θ.
//   'insightface': the same switch, target z − m·sin m (insightface's form; the target drops
//     by m·sin m − (1 − cos m) at the switch, ≈ 0.117 at m = 0.5).
//   'easy': "easy margin": the margin applies only while θ < π/2 (z > 0), else the target is z.
//
// marginGradient 'detached' adds the margin as a constant: the target is
// z + stopGradient(cos(θ + m) − z), same forward value, plain-CE gradient.
import { tf } from '../tf'
import { marginLoss } from './family'
import { SIN_FLOOR, detach } from './ops'
import type { ResolvedLossParams } from './types'

export function arcFaceTargetCosine(zy: tf.Tensor1D, p: ResolvedLossParams): tf.Tensor1D {
  return tf.tidy(() => {
    const cosM = Math.cos(p.m)
    const sinM = Math.sin(p.m)
    const sinTheta = tf.sqrt(tf.maximum(tf.sub(1, tf.square(zy)), SIN_FLOOR))
    const shifted = tf.sub(tf.mul(zy, cosM), tf.mul(sinTheta, sinM))
    const easy = p.marginFallback === 'easy'
    const fallback = easy ? zy : tf.sub(zy, p.marginFallback === 'insightface' ? p.m * sinM : 1 - cosM)
    // greaterEqual, not greater: tfjs registers a (zero) gradient only for the former. Easy
    // margin keeps the margin for z > 0 strictly, as insightface does: step(z) is 1 exactly there.
    const useMargin = tf.greaterEqual(easy ? tf.step(zy) : zy, easy ? 1 : -cosM)
    const margined = tf.where(useMargin, shifted, fallback) as tf.Tensor1D
    if (p.marginGradient === 'detached') return tf.add(zy, detach(tf.sub(margined, zy))) as tf.Tensor1D
    return margined
  })
}

export const arcFaceLoss = marginLoss('arcface', (p) => p.s, arcFaceTargetCosine)
