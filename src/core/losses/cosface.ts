// CosFace (additive cosine margin): target logit s·(cos θ_y − m).
import { tf } from '../tf'
import { marginLoss } from './family'

export const cosFaceLoss = marginLoss(
  'cosface',
  (p) => p.s,
  (zy, p) => tf.sub(zy, p.m) as typeof zy
)
