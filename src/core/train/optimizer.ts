// Optimizers of the recipe: SGD (momentum, Nesterov, L2 weight decay, PyTorch's formulation) and
// Adam / AdamW. Parameters come in two groups, the backbone and the class centres, so the centres
// can have their own learning-rate factor and weight decay. Optional gradient clipping by the
// global L2 norm. State (momentum / moments, step count) can be saved and loaded for checkpoints.
import { tf } from '../tf'
import { OPTIMIZER_KINDS } from '../../common/names'
import type { AdamConfig, OptimizerConfig, SgdConfig } from '../../common/schemas/recipe'

// The optimizer part of the recipe (its shape and kinds) is defined with the recipe in src/common.
export type { AdamConfig, CentreGroupConfig, OptimizerConfig, SgdConfig } from '../../common/schemas/recipe'
export { OPTIMIZER_KINDS } from '../../common/names'

export type ParamGroup = 'backbone' | 'centres'

export interface OptimizedParam {
  name: string
  variable: tf.Variable
  decay: boolean
  group?: ParamGroup
}

export interface NamedTensor {
  name: string
  tensor: tf.Tensor
}

/** State held outside tf (e.g. the sparse centre store's momentum), stored like a tensor. */
export interface NamedArray {
  name: string
  values: Float32Array
  shape: number[]
}

/** What a checkpoint stores of an optimizer: named state tensors and a few numbers. */
export interface OptimizerState {
  tensors: (NamedTensor | NamedArray)[]
  scalars: Record<string, number>
}

export interface Optimizer {
  /**
   * One update with scheduled rate `lr`; `grads` maps tf variable names (as tf.variableGrads returns
   * them). `extraSquaredNorm`: the squared norm of gradients updated elsewhere (a sparse head's
   * centre rows), counted in the clipping norm.
   */
  step(grads: Record<string, tf.Tensor>, lr: number, extraSquaredNorm?: number): void
  /** Global gradient norm of the last step before clipping (NaN when clipping is off). */
  lastGradNorm(): Promise<number>
  state(): OptimizerState
  /** Restores state saved by state(); tensors by name as flat float32 arrays. */
  load(tensors: ReadonlyMap<string, Float32Array>, scalars: Record<string, number>): void
  dispose(): void
}

export function validateOptimizerConfig(config: OptimizerConfig): string[] {
  const problems: string[] = []
  if (!(OPTIMIZER_KINDS as readonly string[]).includes(config.kind))
    problems.push(`optimizer must be one of ${OPTIMIZER_KINDS.join(', ')}, got "${String(config.kind)}"`)
  if (!(Number.isFinite(config.lr) && config.lr > 0)) problems.push(`learning rate must be a positive number, got ${config.lr}`)
  if (!(config.weightDecay >= 0)) problems.push(`weight decay must be ≥ 0, got ${config.weightDecay}`)
  if (config.clipNorm !== undefined && !(config.clipNorm >= 0))
    problems.push(`gradient clipping norm must be ≥ 0, got ${config.clipNorm}`)
  const c = config.centres
  if (c?.lrFactor !== undefined && !(c.lrFactor >= 0)) problems.push(`centre learning-rate factor must be ≥ 0, got ${c.lrFactor}`)
  if (c?.weightDecay !== undefined && !(c.weightDecay >= 0))
    problems.push(`centre weight decay must be ≥ 0, got ${c.weightDecay}`)
  if (config.kind === 'sgd') {
    if (!(config.momentum >= 0 && config.momentum < 1)) problems.push(`momentum must be in [0, 1), got ${config.momentum}`)
    if (config.nesterov && config.momentum === 0) problems.push('Nesterov momentum needs a momentum > 0')
  } else {
    for (const [name, value] of [
      ['beta1', config.beta1],
      ['beta2', config.beta2]
    ] as const) {
      if (value !== undefined && !(value >= 0 && value < 1)) problems.push(`Adam ${name} must be in [0, 1), got ${value}`)
    }
    if (config.epsilon !== undefined && !(config.epsilon > 0)) problems.push(`Adam epsilon must be > 0, got ${config.epsilon}`)
  }
  return problems
}

export function createOptimizer(config: OptimizerConfig, params: OptimizedParam[]): Optimizer {
  return config.kind === 'sgd' ? new SgdOptimizer(config, params) : new AdamOptimizer(config, params)
}

/** Per-group learning rate and decay. */
function groupSettings(config: OptimizerConfig, p: OptimizedParam, lr: number): { lr: number; decay: number } {
  const centres = p.group === 'centres'
  const factor = centres ? (config.centres?.lrFactor ?? 1) : 1
  const decay = p.decay ? (centres ? (config.centres?.weightDecay ?? config.weightDecay) : config.weightDecay) : 0
  return { lr: lr * factor, decay }
}

/**
 * The global gradient norm and the factor that clips it to `maxNorm`, both kept on the device: a
 * synchronous read would stall a GPU backend (and throws on webgpu in Node). Per-tensor squared
 * sums are added in a fixed order, so every replica computes the same factor.
 */
function clipOnDevice(grads: tf.Tensor[], maxNorm: number, extraSquaredNorm = 0): { norm: tf.Scalar; scale: tf.Scalar } {
  return tf.tidy(() => {
    const squares = grads.map((g) => tf.sum(tf.square(g)))
    const norm = tf.sqrt(tf.addN(extraSquaredNorm > 0 ? [...squares, tf.scalar(extraSquaredNorm)] : squares)) as tf.Scalar
    return { norm, scale: tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-30))) as tf.Scalar }
  })
}

/** A variable of zeros shaped like `like`; the temporary it starts from is released. */
export function zerosVariable(like: tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(like), false))
}

function loadInto(target: tf.Variable, values: Float32Array | undefined, name: string): void {
  if (!values) throw new Error(`optimizer state has no "${name}"`)
  if (values.length !== target.size)
    throw new Error(`optimizer state "${name}" has ${values.length} values, expected ${target.size}`)
  target.assign(tf.tensor(values, target.shape))
}

abstract class BaseOptimizer implements Optimizer {
  private gradNorm: tf.Scalar | null = null

  constructor(
    protected readonly config: OptimizerConfig,
    protected readonly params: OptimizedParam[]
  ) {}

  step(grads: Record<string, tf.Tensor>, lr: number, extraSquaredNorm = 0): void {
    const present = this.params.filter((p) => grads[p.variable.name])
    // The norm is only computed when clipping asks for it.
    const clip = this.config.clipNorm
      ? clipOnDevice(
          present.map((p) => grads[p.variable.name]),
          this.config.clipNorm,
          extraSquaredNorm
        )
      : null
    this.gradNorm?.dispose()
    this.gradNorm = clip?.norm ?? null
    this.beginStep()
    tf.tidy(() => {
      for (const p of present) {
        const raw = grads[p.variable.name]
        const g = clip ? tf.mul(raw, clip.scale) : raw
        this.update(p, g, groupSettings(this.config, p, lr))
      }
    })
    clip?.scale.dispose()
  }

  async lastGradNorm(): Promise<number> {
    return this.gradNorm ? (await this.gradNorm.data())[0] : NaN
  }

  protected disposeGradNorm(): void {
    this.gradNorm?.dispose()
    this.gradNorm = null
  }

  protected beginStep(): void {}
  protected abstract update(p: OptimizedParam, g: tf.Tensor, settings: { lr: number; decay: number }): void
  abstract state(): OptimizerState
  abstract load(tensors: ReadonlyMap<string, Float32Array>, scalars: Record<string, number>): void
  abstract dispose(): void
}

/** v ← μv + g + λw; w ← w − η·v (Nesterov: w ← w − η·(g + λw + μv)). */
export class SgdOptimizer extends BaseOptimizer {
  private readonly velocity = new Map<string, tf.Variable>()

  constructor(config: SgdConfig, params: OptimizedParam[]) {
    super(config, params)
    for (const p of params) this.velocity.set(p.name, zerosVariable(p.variable))
  }

  protected update(p: OptimizedParam, g: tf.Tensor, { lr, decay }: { lr: number; decay: number }): void {
    const { momentum, nesterov } = this.config as SgdConfig
    const v = this.velocity.get(p.name) as tf.Variable
    // Each line's temporaries are freed before the next: a 100k × 512 centre matrix is 195 MiB a copy.
    const withDecay = decay > 0 ? tf.tidy(() => tf.add(g, tf.mul(p.variable, decay))) : g
    v.assign(tf.tidy(() => tf.add(tf.mul(v, momentum), withDecay)))
    const direction = nesterov ? tf.tidy(() => tf.add(withDecay, tf.mul(v, momentum))) : v
    p.variable.assign(tf.tidy(() => tf.sub(p.variable, tf.mul(direction, lr))))
    if (direction !== v) direction.dispose()
    if (withDecay !== g) withDecay.dispose()
  }

  state(): OptimizerState {
    return {
      tensors: this.params.map((p) => ({ name: `sgd/velocity/${p.name}`, tensor: this.velocity.get(p.name) as tf.Variable })),
      scalars: {}
    }
  }

  load(tensors: ReadonlyMap<string, Float32Array>): void {
    for (const p of this.params)
      loadInto(this.velocity.get(p.name) as tf.Variable, tensors.get(`sgd/velocity/${p.name}`), `sgd/velocity/${p.name}`)
  }

  dispose(): void {
    this.disposeGradNorm()
    this.velocity.forEach((v) => v.dispose())
  }
}

/**
 * Adam (Kingma & Ba) with bias correction: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * w ← w − η·m̂/(√v̂ + ε). Adam folds weight decay into g (L2); AdamW applies w ← w − η·λ·w separately.
 */
export class AdamOptimizer extends BaseOptimizer {
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>()
  private t = 0

  constructor(config: AdamConfig, params: OptimizedParam[]) {
    super(config, params)
    for (const p of params) {
      this.moments.set(p.name, { m: zerosVariable(p.variable), v: zerosVariable(p.variable) })
    }
  }

  protected override beginStep(): void {
    this.t++
  }

  protected update(p: OptimizedParam, g: tf.Tensor, { lr, decay }: { lr: number; decay: number }): void {
    const config = this.config as AdamConfig
    const beta1 = config.beta1 ?? 0.9
    const beta2 = config.beta2 ?? 0.999
    const epsilon = config.epsilon ?? 1e-8
    const decoupled = config.kind === 'adamw'
    const { m, v } = this.moments.get(p.name) as { m: tf.Variable; v: tf.Variable }
    const grad = !decoupled && decay > 0 ? tf.add(g, tf.mul(p.variable, decay)) : g
    m.assign(tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1)))
    v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2)))
    const mHat = tf.div(m, 1 - Math.pow(beta1, this.t))
    const vHat = tf.div(v, 1 - Math.pow(beta2, this.t))
    let next = tf.sub(p.variable, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), lr))
    if (decoupled && decay > 0) next = tf.sub(next, tf.mul(p.variable, lr * decay))
    p.variable.assign(next)
  }

  state(): OptimizerState {
    const tensors = this.params.flatMap((p) => {
      const { m, v } = this.moments.get(p.name) as { m: tf.Variable; v: tf.Variable }
      return [
        { name: `adam/m/${p.name}`, tensor: m },
        { name: `adam/v/${p.name}`, tensor: v }
      ]
    })
    return { tensors, scalars: { 'adam/t': this.t } }
  }

  load(tensors: ReadonlyMap<string, Float32Array>, scalars: Record<string, number>): void {
    for (const p of this.params) {
      const { m, v } = this.moments.get(p.name) as { m: tf.Variable; v: tf.Variable }
      loadInto(m, tensors.get(`adam/m/${p.name}`), `adam/m/${p.name}`)
      loadInto(v, tensors.get(`adam/v/${p.name}`), `adam/v/${p.name}`)
    }
    const t = scalars['adam/t']
    if (!Number.isInteger(t) || t < 0) throw new Error(`optimizer state has no valid Adam step count (adam/t = ${t})`)
    this.t = t
  }

  dispose(): void {
    this.disposeGradNorm()
    this.moments.forEach(({ m, v }) => {
      m.dispose()
      v.dispose()
    })
  }
}
