// The class centres of D-Softmax-B/-K, held outside TensorFlow.js so that a sampled step touches
// only the rows it samples: gather copies the planned rows out, update writes them back. Nothing
// here ever visits every row during a step.
//
// Optimizer: SGD with momentum and L2 weight decay, PyTorch's formulation (v ← μv + g + λw;
// w ← w − η·v, or w ← w − η·(g + λw + μv) with Nesterov), the same as the dense SgdOptimizer.
// A row that no step touches still decays and coasts on its momentum in the dense optimizer; here
// that is applied lazily: each row remembers the last step it was brought up to, and before it is
// read its skipped steps (zero gradient, each at its own learning rate) are applied at once. With
// zero gradient one step is linear in (w, v) with the same coefficients for every element, so the
// skipped steps fold into one 2×2 matrix per row. The result equals the dense optimizer's, up to
// float rounding, whichever rows each step touches.
//
// Rows are also initialised lazily, from a generator seeded by (seed, row): a million-class store
// costs nothing until rows are used, and the values do not depend on the order rows are touched.
import { createRng } from '../util/rng'
import { halfTable, toHalf } from './float16'
import type { CentreStorage } from '../../common/names'

export { CENTRE_STORAGES, type CentreStorage } from '../../common/names'

export interface CentreStoreConfig {
  classes: number
  dim: number
  /** Seeds the initial rows, N(0, 1/dim) like the dense head's. */
  seed: number
  /** float16 halves the memory of the centres and their momentum; arithmetic stays float32/64. */
  storage?: CentreStorage
  momentum: number
  weightDecay: number
  nesterov?: boolean
}

/** Gradients of some rows: `classes` distinct ids, `grads` their [classes.length, dim] gradients, row-major. */
export interface RowGradients {
  classes: Int32Array
  grads: Float32Array
}

/** Rows copied in and out since the counters were last reset: what the "no full matrix" tests read. */
export interface StoreCounters {
  rowsRead: number
  rowsWritten: number
}

/**
 * Everything a checkpoint needs, by stable name. Taken after flush(), so every row is current.
 *   centres   Float32Array [classes·dim], row-major (decoded from halves with float16 storage)
 *   momentum  Float32Array [classes·dim]
 *   lastStep  Int32Array   [classes]: the step each row was last brought up to (all equal to step after a flush)
 *   step      Int32Array   [1]: optimizer steps applied so far
 */
export interface CentreStoreState {
  centres: Float32Array
  momentum: Float32Array
  lastStep: Int32Array
  step: Int32Array
}

/** Rows of float32 values in float32 or float16 storage. */
interface RowArray {
  readonly bytesPerValue: number
  read(row: number, out: Float32Array, offset: number): void
  /** Stores a row; `from` is left holding the stored (possibly rounded) values. */
  write(row: number, from: Float32Array, offset: number): void
}

function rowArray(storage: CentreStorage, rows: number, dim: number): RowArray {
  if (storage === 'float32') {
    const data = new Float32Array(rows * dim)
    // Plain loops: a subarray view per row costs more than copying a few hundred floats.
    return {
      bytesPerValue: 4,
      read: (row, out, offset) => {
        for (let j = 0, i = row * dim; j < dim; j++, i++) out[offset + j] = data[i]
      },
      write: (row, from, offset) => {
        for (let j = 0, i = row * dim; j < dim; j++, i++) data[i] = from[offset + j]
      }
    }
  }
  const data = new Uint16Array(rows * dim)
  const decode = halfTable()
  return {
    bytesPerValue: 2,
    read: (row, out, offset) => {
      for (let j = 0, i = row * dim; j < dim; j++, i++) out[offset + j] = decode[data[i]]
    },
    // Rounds \`from\` in place too, so the caller holds exactly what was stored.
    write: (row, from, offset) => {
      for (let j = 0, i = row * dim; j < dim; j++, i++) {
        const half = toHalf(from[offset + j])
        data[i] = half
        from[offset + j] = decode[half]
      }
    }
  }
}

/** Row index never set: the row still holds its seeded initial value (not yet materialised). */
const UNTOUCHED = -1

export class CentreStore {
  readonly classes: number
  readonly dim: number
  readonly storage: CentreStorage
  readonly counters: StoreCounters = { rowsRead: 0, rowsWritten: 0 }
  private readonly centres: RowArray
  private readonly momentum: RowArray
  private readonly lastStep: Int32Array
  /** Learning rate of each applied step: lrs[t − 1] is step t's. */
  private readonly lrs: number[] = []
  private readonly scratch: Float32Array

  constructor(private readonly config: CentreStoreConfig) {
    const { classes, dim } = config
    if (!Number.isInteger(classes) || classes < 1) throw new Error(`classes must be a positive integer (got ${classes}).`)
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`dim must be a positive integer (got ${dim}).`)
    if (!(config.momentum >= 0 && config.momentum < 1)) throw new Error(`momentum must be in [0, 1) (got ${config.momentum}).`)
    if (!(config.weightDecay >= 0)) throw new Error(`weight decay must be ≥ 0 (got ${config.weightDecay}).`)
    this.classes = classes
    this.dim = dim
    this.storage = config.storage ?? 'float32'
    this.centres = rowArray(this.storage, classes, dim)
    this.momentum = rowArray(this.storage, classes, dim)
    this.lastStep = new Int32Array(classes).fill(UNTOUCHED)
    this.scratch = new Float32Array(2 * dim)
  }

  /** Optimizer steps applied so far. */
  get step(): number {
    return this.lrs.length
  }

  /** Memory one identity costs: its centre, its momentum, its step counter. */
  get bytesPerIdentity(): number {
    return 2 * this.dim * this.centres.bytesPerValue + 4
  }

  /** The current value of `rows` (any order, may repeat), [rows.length, dim] row-major. */
  gather(rows: ArrayLike<number>): Float32Array {
    const out = new Float32Array(rows.length * this.dim)
    this.bringUpToDate(rows, out)
    return out
  }

  /**
   * One optimizer step at learning rate `lr`: the rows in `gradients` get their gradient, every
   * other row (implicitly, lazily) a zero-gradient step.
   */
  update(gradients: RowGradients, lr: number): void {
    const { classes, grads } = gradients
    const dim = this.dim
    if (grads.length !== classes.length * dim) {
      throw new Error(`row gradients: ${classes.length} rows need ${classes.length * dim} values, got ${grads.length}.`)
    }
    if (!Number.isFinite(lr)) throw new Error(`learning rate must be finite (got ${lr}).`)
    const seen = new Set<number>()
    for (const row of classes) {
      if (seen.has(row)) throw new Error(`row gradients name class ${row} twice; merge them first.`)
      seen.add(row)
    }
    const current = new Float32Array(classes.length * dim)
    this.bringUpToDate(classes, current)
    const { momentum: mu, weightDecay: lambda, nesterov } = this.config
    const step = this.lrs.length + 1
    const v = this.scratch.subarray(0, dim)
    for (let r = 0; r < classes.length; r++) {
      const row = classes[r]
      this.momentum.read(row, v, 0)
      const base = r * dim
      for (let j = 0; j < dim; j++) {
        const w = current[base + j]
        const g = grads[base + j] + lambda * w
        const nextV = mu * v[j] + g
        v[j] = nextV
        current[base + j] = w - lr * (nesterov ? g + mu * nextV : nextV)
      }
      this.momentum.write(row, v, 0)
      this.centres.write(row, current, base)
      this.lastStep[row] = step
    }
    this.counters.rowsWritten += classes.length
    this.lrs.push(lr)
  }

  /** Brings every row up to the current step. Reads and writes the whole matrix: checkpoints and export only, never a step. */
  flush(): void {
    const chunk = 4096
    const ids = new Int32Array(chunk)
    const out = new Float32Array(chunk * this.dim)
    for (let start = 0; start < this.classes; start += chunk) {
      const n = Math.min(chunk, this.classes - start)
      for (let i = 0; i < n; i++) ids[i] = start + i
      this.bringUpToDate(ids.subarray(0, n), out)
    }
  }

  /** Every row, current, row-major [classes·dim] (flushes first). */
  values(): Float32Array {
    return this.state().centres
  }

  /** The optimizer state by stable name (flushes first); see CentreStoreState. */
  state(): CentreStoreState {
    this.flush()
    const { classes, dim } = this
    const centres = new Float32Array(classes * dim)
    const momentum = new Float32Array(classes * dim)
    for (let row = 0; row < classes; row++) {
      this.centres.read(row, centres, row * dim)
      this.momentum.read(row, momentum, row * dim)
    }
    return { centres, momentum, lastStep: this.lastStep.slice(), step: Int32Array.of(this.step) }
  }

  /**
   * Consecutive blocks of current rows of the centres or the momentum, at most `maxValues` values
   * each (at least one row), row-major float32: what a checkpoint streams to disk. Flushes first,
   * in place; one block is held at a time, never the whole matrix.
   */
  *rowBlocks(what: 'centres' | 'momentum', maxValues: number): Generator<Float32Array> {
    this.flush()
    const rowsPerBlock = Math.max(1, Math.min(this.classes, Math.floor(maxValues / this.dim)))
    const array = what === 'centres' ? this.centres : this.momentum
    for (let start = 0; start < this.classes; start += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, this.classes - start)
      const block = new Float32Array(n * this.dim)
      for (let r = 0; r < n; r++) array.read(start + r, block, r * this.dim)
      yield block
    }
  }

  /**
   * Overwrites rows start … start + rows − 1 of the centres or the momentum with `values` (row-major);
   * a checkpoint streams them back a block at a time. Call restoreStep once every block is in.
   */
  loadRows(what: 'centres' | 'momentum', start: number, values: Float32Array): void {
    const rows = values.length / this.dim
    if (!Number.isInteger(rows) || start < 0 || start + rows > this.classes) {
      throw new Error(`centre store: ${values.length} values at row ${start} do not fit ${this.classes} rows × ${this.dim} dims`)
    }
    const array = what === 'centres' ? this.centres : this.momentum
    const row = new Float32Array(this.dim)
    for (let r = 0; r < rows; r++) {
      row.set(values.subarray(r * this.dim, (r + 1) * this.dim))
      array.write(start + r, row, 0)
      // A loaded row is materialised: never re-initialised from the seed.
      if (this.lastStep[start + r] === UNTOUCHED) this.lastStep[start + r] = this.step
    }
  }

  /** Marks every row current at `step` (after loadRows has restored a saved, flushed state). */
  restoreStep(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new Error(`centre store: step ${step} is not a step count.`)
    this.lastStep.fill(step)
    this.lrs.length = 0
    for (let i = 0; i < step; i++) this.lrs.push(0)
  }

  /** True when no stored centre or momentum value is NaN or ±Infinity; reads rows in place. */
  allFinite(): boolean {
    const row = new Float32Array(this.dim)
    for (const array of [this.centres, this.momentum]) {
      for (let r = 0; r < this.classes; r++) {
        if (this.lastStep[r] === UNTOUCHED) continue
        array.read(r, row, 0)
        for (let j = 0; j < this.dim; j++) if (!Number.isFinite(row[j])) return false
      }
    }
    return true
  }

  /** Overwrites every centre (a loaded weights file), keeping the momentum; [classes·dim] row-major. */
  setValues(centres: Float32Array): void {
    if (centres.length !== this.classes * this.dim) {
      throw new Error(
        `centre store: ${centres.length} values given, expected ${this.classes * this.dim} (${this.classes} classes × ${this.dim} dims).`
      )
    }
    this.flush()
    const row = new Float32Array(this.dim)
    for (let r = 0; r < this.classes; r++) {
      row.set(centres.subarray(r * this.dim, (r + 1) * this.dim))
      this.centres.write(r, row, 0)
    }
  }

  /**
   * Restores a state() of a store with the same classes and dim. The learning rates of past steps
   * are not kept, so every row must be current (lastStep equal to step), as state() leaves it.
   */
  load(state: CentreStoreState): void {
    const { classes, dim } = this
    const expect = (what: string, got: number, want: number): void => {
      if (got !== want)
        throw new Error(`centre store state: ${what} has ${got} values, expected ${want} (${classes} classes × ${dim} dims).`)
    }
    expect('centres', state.centres.length, classes * dim)
    expect('momentum', state.momentum.length, classes * dim)
    expect('lastStep', state.lastStep.length, classes)
    expect('step', state.step.length, 1)
    const step = state.step[0]
    if (!Number.isInteger(step) || step < 0) throw new Error(`centre store state: step ${step} is not a step count.`)
    const stale = state.lastStep.findIndex((s) => s !== step)
    if (stale >= 0)
      throw new Error(
        `centre store state: row ${stale} was last updated at step ${state.lastStep[stale]}, not the saved step ${step}; save after flush().`
      )
    for (let row = 0; row < classes; row++) {
      this.centres.write(row, state.centres, row * dim)
      this.momentum.write(row, state.momentum, row * dim)
    }
    this.lastStep.fill(step)
    // Past rates are never needed again once every row is current.
    this.lrs.length = 0
    for (let i = 0; i < step; i++) this.lrs.push(0)
  }

  /**
   * Applies each row's skipped zero-gradient steps (materialising never-touched rows first),
   * stores the result and copies the rows into `out`.
   */
  private bringUpToDate(rows: ArrayLike<number>, out: Float32Array): void {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]
      if (!Number.isInteger(row) || row < 0 || row >= this.classes)
        throw new Error(`row ${row} is not a class index in [0, ${this.classes}).`)
    }
    const dim = this.dim
    const target = this.lrs.length
    const catchUp = this.catchUpMatrices(rows, target)
    const v = this.scratch.subarray(dim, 2 * dim)
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]
      const last = this.lastStep[row]
      const base = r * dim
      if (last === UNTOUCHED) this.initialRow(row, out, base)
      else this.centres.read(row, out, base)
      if (last === target) continue
      if (last === UNTOUCHED) v.fill(0)
      else this.momentum.read(row, v, 0)
      const [a, b, c, d] = catchUp.get(Math.max(0, last)) as number[]
      for (let j = 0; j < dim; j++) {
        const w = out[base + j]
        out[base + j] = a * w + b * v[j]
        v[j] = c * w + d * v[j]
      }
      this.centres.write(row, out, base)
      this.momentum.write(row, v, 0)
      this.lastStep[row] = target
      this.counters.rowsWritten++
    }
    this.counters.rowsRead += rows.length
  }

  /**
   * For each distinct step s the rows were last brought to, the 2×2 matrix [a b; c d] taking
   * (w, v) after step s to (w, v) after step `target` with zero gradients. One sweep back from
   * `target`, so the cost is the largest gap, not the number of rows.
   */
  private catchUpMatrices(rows: ArrayLike<number>, target: number): Map<number, number[]> {
    const starts = new Set<number>()
    for (let r = 0; r < rows.length; r++) {
      const last = this.lastStep[rows[r]]
      if (last !== target) starts.add(Math.max(0, last))
    }
    const result = new Map<number, number[]>()
    if (starts.size === 0) return result
    const { momentum: mu, weightDecay: lambda, nesterov } = this.config
    const earliest = Math.min(...starts)
    // M = A_target · … · A_(s+1), built right-multiplying from step target downwards.
    let [a, b, c, d] = [1, 0, 0, 1]
    // A never-touched row at step 0 only needs materialising.
    if (starts.has(target)) result.set(target, [a, b, c, d])
    for (let t = target; t > earliest; t--) {
      const lr = this.lrs[t - 1]
      // One zero-gradient step: v' = λw + μv; w' = w − η·(v', or λw + μv' with Nesterov).
      const [p, q] = nesterov ? [1 - lr * lambda * (1 + mu), -lr * mu * mu] : [1 - lr * lambda, -lr * mu]
      const [r, s] = [lambda, mu]
      ;[a, b, c, d] = [a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s]
      if (starts.has(t - 1)) result.set(t - 1, [a, b, c, d])
    }
    return result
  }

  /** Row `row`'s initial value, N(0, 1/dim) from a generator seeded by (seed, row). */
  private initialRow(row: number, out: Float32Array, offset: number): void {
    const { next } = createRng(Math.imul(this.config.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(row + 1, 0xc2b2ae35))
    const scale = 1 / Math.sqrt(this.dim)
    // Box–Muller, both outputs of each pair used.
    for (let j = 0; j < this.dim; j += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - next())) * scale
      const angle = 2 * Math.PI * next()
      out[offset + j] = radius * Math.cos(angle)
      if (j + 1 < this.dim) out[offset + j + 1] = radius * Math.sin(angle)
    }
  }
}
