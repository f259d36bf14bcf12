// SGD with momentum and L2 weight decay (PyTorch's formulation: v ← μv + g + λw; w ← w − ηv),
// with decay applied only to the parameters that ask for it (kernels, class centres).
import { tf } from '../tf'

export interface SgdConfig {
  kind: 'sgd'
  lr: number
  momentum: number
  weightDecay: number
  nesterov?: boolean
}

export interface OptimizedParam {
  name: string
  variable: tf.Variable
  decay: boolean
}

export class SgdOptimizer {
  private readonly velocity = new Map<string, tf.Variable>()

  constructor(
    private readonly config: SgdConfig,
    private readonly params: OptimizedParam[]
  ) {
    for (const p of params) {
      this.velocity.set(p.name, tf.variable(tf.zerosLike(p.variable), false))
    }
  }

  /** One update with learning rate `lr`; `grads` maps variable names (as tf.variableGrads returns them). */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, weightDecay, nesterov } = this.config
    tf.tidy(() => {
      for (const p of this.params) {
        const g = grads[p.variable.name]
        if (!g) continue
        const v = this.velocity.get(p.name) as tf.Variable
        const withDecay = p.decay && weightDecay > 0 ? tf.add(g, tf.mul(p.variable, weightDecay)) : g
        const nextV = tf.add(tf.mul(v, momentum), withDecay)
        v.assign(nextV)
        const direction = nesterov ? tf.add(withDecay, tf.mul(nextV, momentum)) : nextV
        p.variable.assign(tf.sub(p.variable, tf.mul(direction, lr)))
      }
    })
  }

  /** Momentum buffers by parameter name, for checkpoints. */
  state(): Map<string, tf.Variable> {
    return this.velocity
  }

  dispose(): void {
    this.velocity.forEach((v) => v.dispose())
  }
}
