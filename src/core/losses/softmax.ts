// Plain softmax: the classical baseline. Its "cosines" are the unnormalized logits Wx + b,
// taken as they are (no scale, no margin).
import { marginLoss } from './family'

export const softmaxLoss = marginLoss(
  'softmax',
  () => 1,
  (zy) => zy
)
