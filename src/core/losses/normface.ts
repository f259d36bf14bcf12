// NormFace: cross-entropy on s·cos θ_k, no margin.
import { marginLoss } from './family'

export const normFaceLoss = marginLoss(
  'normface',
  (p) => p.s,
  (zy) => zy
)
