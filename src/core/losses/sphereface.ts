// SphereFace (multiplicative angular margin, integer m ≥ 1):
//   ψ(θ) = (−1)^k cos(mθ) − 2k,  k = floor(mθ/π)
// annealed with λ: target cosine (λ·cos θ + ψ(θ)) / (1 + λ); λ = 0 is the pure margin.
//
// Scale convention: the original multiplies by the raw feature norm ‖x‖; here features
// are normalized like the other cosine losses and every logit is multiplied by s.
//
// cos(mθ) is the Chebyshev polynomial T_m(cos θ), as in the original implementation, so
// no acos sits on the gradient path and the gradient is exact at cos θ = ±1. k is
// piecewise constant and computed on a detached, clamped cosine.
import { tf } from '../tf'
import { marginLoss } from './family'
import { clampCosine, detach } from './ops'
import type { ResolvedLossParams } from './types'

/** T_m(z) by the recurrence T_{n+1} = 2z·T_n − T_{n−1}. */
function chebyshev(z: tf.Tensor1D, m: number): tf.Tensor1D {
  let previous: tf.Tensor1D = tf.onesLike(z)
  let current: tf.Tensor1D = z
  if (m === 0) return previous
  for (let n = 1; n < m; n++) {
    const next = tf.sub(tf.mul(tf.mul(z, 2), current), previous) as tf.Tensor1D
    previous = current
    current = next
  }
  return current
}

export function sphereFaceTargetCosine(zy: tf.Tensor1D, p: ResolvedLossParams): tf.Tensor1D {
  return tf.tidy(() => {
    const m = p.m
    const theta = tf.acos(clampCosine(detach(zy)))
    const k = tf.floor(tf.mul(theta, m / Math.PI))
    const sign = tf.sub(1, tf.mul(tf.mod(k, 2), 2))
    const psi = tf.sub(tf.mul(sign, chebyshev(zy, m)), tf.mul(k, 2))
    return tf.div(tf.add(tf.mul(zy, p.lambda), psi), 1 + p.lambda) as tf.Tensor1D
  })
}

export const sphereFaceLoss = marginLoss('sphereface', (p) => p.s, sphereFaceTargetCosine)
