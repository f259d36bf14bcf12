// `bench head`: time of one training step of the classification head alone (forward, backward
// w.r.t. the embeddings and the centres, optimizer update) as the number of identities grows,
// dense heads (Softmax, ArcFace, D-Softmax) against the sparse ones (D-Softmax-B, -K), with the
// speed-up over dense Softmax measured in the same run and the memory each head holds.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { tf } from '../../core/tf'
import { initBackend, type BackendChoice } from '../../core/backend'
import {
  SparseHead,
  createHeadWeights,
  gatheredLoss,
  headLoss,
  rowGradients,
  seededRng,
  type CentreStorage,
  type LossName,
  type LossParams
} from '../../core/losses'
import { createOptimizer } from '../../core/train/optimizer'
import { createRng } from '../../core/util/rng'
import { UsageError, type CliIo } from '../io'
import { median } from '../../core/util/stats'

/** One head configuration of the grid. */
export interface HeadVariant {
  label: string
  loss: LossName
  rate?: number
  count?: number
  storage?: CentreStorage
}

export interface HeadBenchCell {
  head: string
  loss: LossName
  classes: number
  dim: number
  batch: number
  status: 'ok' | 'skipped' | 'failed'
  /** Why a cell was skipped or failed. */
  reason?: string
  medianStepMs?: number
  /** Dense Softmax's median step time over this head's, same classes and dim; absent when Softmax did not run. */
  speedupVsSoftmax?: number
  /** Centres plus optimizer state (and bias) the head keeps between steps. */
  stateBytes: number
  bytesPerIdentity: number
  /** Largest tf memory in use during one step, above what was in use before it. */
  peakStepBytes?: number
  /** Centre rows one step gathers (dense heads: every class). */
  rowsPerStep?: number
}

export interface HeadBenchOptions {
  classes: number[]
  dims: number[]
  batch: number
  steps: number
  warmup: number
  variants: HeadVariant[]
  /** Skip a dense cell whose predicted step time (from the same head at fewer classes) exceeds this. */
  maxStepSeconds: number
  /**
   * 'process' (the default) measures each cell in a child process of its own, so a wasm abort in
   * one cell (an allocation past the 4 GiB heap kills the module) cannot take the others down;
   * 'inline' measures in this process.
   */
  isolation: 'process' | 'inline'
  /** Cells measured after the grid when it lacks them: the headline ratio (100k × 512, K 1/64 vs Softmax). */
  extraCells: { variant: HeadVariant; classes: number; dim: number }[]
}

/** The headline figure every quick and full record carries: D-Softmax-K 1/64 against dense Softmax at 100k × 512. */
export const HEADLINE = { classes: 100_000, dim: 512, heads: ['Softmax', 'D-Softmax-K 1/64'] }

export const DEFAULT_VARIANTS: HeadVariant[] = [
  { label: 'Softmax', loss: 'softmax' },
  { label: 'ArcFace', loss: 'arcface' },
  { label: 'D-Softmax', loss: 'dsoftmax' },
  { label: 'D-Softmax-B', loss: 'dsoftmax-b' },
  { label: 'D-Softmax-K 1/8', loss: 'dsoftmax-k', rate: 1 / 8 },
  { label: 'D-Softmax-K 1/16', loss: 'dsoftmax-k', rate: 1 / 16 },
  { label: 'D-Softmax-K 1/64', loss: 'dsoftmax-k', rate: 1 / 64 },
  { label: 'D-Softmax-K 1/64 f16', loss: 'dsoftmax-k', rate: 1 / 64, storage: 'float16' },
  { label: 'D-Softmax-K K=1024', loss: 'dsoftmax-k', count: 1024 }
]

const SGD = { kind: 'sgd' as const, lr: 0.01, momentum: 0.9, weightDecay: 5e-4 }
/** The wasm heap is 32-bit: 4 GiB at most. Dense cells predicted above this are not attempted. */
const WASM_HEAP_BYTES = 4 * 2 ** 30

function isDense(loss: LossName): boolean {
  return loss !== 'dsoftmax-b' && loss !== 'dsoftmax-k'
}

function lossParams(variant: HeadVariant): LossParams {
  const params: LossParams = variant.loss === 'softmax' ? {} : { s: 30 }
  if (variant.loss === 'arcface') params.m = 0.5
  if (variant.loss.startsWith('dsoftmax')) params.d = 0.9
  if (variant.rate !== undefined) params.rate = variant.rate
  if (variant.count !== undefined) params.count = variant.count
  return params
}

/** Bytes kept between steps: centres and momentum (dense: float32 tensors; sparse: the store), bias for Softmax. */
function stateBytes(variant: HeadVariant, classes: number, dim: number): number {
  if (isDense(variant.loss)) return classes * dim * 4 * 2 + (variant.loss === 'softmax' ? classes * 4 * 2 : 0)
  return classes * (2 * dim * (variant.storage === 'float16' ? 2 : 4) + 4)
}

/**
 * Rough peak of a dense step in the tf heap: centres and momentum, their gradient and the optimizer's
 * few [classes, dim] temporaries, plus the fused loss's [batch, classes] buffers (losses/denseHead.ts).
 */
function denseStepBytes(classes: number, dim: number, batch: number): number {
  return 6 * classes * dim * 4 + 6 * batch * classes * 4
}

interface HeadRunner {
  /** One full step on fresh labels; resolves when its results are on the host. */
  step(labels: Int32Array): Promise<void>
  rowsPerStep: number
  dispose(): void
}

function denseRunner(variant: HeadVariant, classes: number, embeddings: tf.Variable): HeadRunner {
  const dim = embeddings.shape[1] as number
  const weights = createHeadWeights(variant.loss, classes, dim, 1)
  const params = lossParams(variant)
  const trained = [
    { name: 'head/centres', variable: weights.centres, decay: true, group: 'centres' as const },
    ...(weights.bias ? [{ name: 'head/bias', variable: weights.bias, decay: false, group: 'centres' as const }] : [])
  ]
  const optimizer = createOptimizer(SGD, trained)
  const rng = seededRng(3)
  return {
    rowsPerStep: classes,
    async step(labels) {
      const y = tf.tensor1d(labels, 'int32')
      const { value, grads } = tf.variableGrads(
        () => headLoss(variant.loss, params, embeddings as tf.Tensor2D, y, weights, undefined, rng).loss,
        [embeddings, ...trained.map((t) => t.variable)]
      )
      optimizer.step(grads, SGD.lr)
      await value.data()
      tf.dispose([y, value, ...Object.values(grads)])
    },
    dispose() {
      optimizer.dispose()
      tf.dispose(trained.map((t) => t.variable))
    }
  }
}

function sparseRunner(variant: HeadVariant, classes: number, embeddings: tf.Variable): HeadRunner {
  const dim = embeddings.shape[1] as number
  const head = new SparseHead({
    classes,
    dim,
    seed: 1,
    storage: variant.storage,
    momentum: SGD.momentum,
    weightDecay: SGD.weightDecay
  })
  // Steady state, as after the first epoch: every row materialised. A fresh store draws each row's
  // initial values the first time a step samples it, which a few timed steps would mostly measure.
  head.store.flush()
  const params = lossParams(variant)
  const rng = seededRng(3)
  const loss = variant.loss as 'dsoftmax-b' | 'dsoftmax-k'
  const runner: HeadRunner = {
    rowsPerStep: 0,
    async step(labels) {
      const gathered = head.gather(loss, params, labels, rng)
      const { value, grads } = tf.variableGrads(
        () => gatheredLoss(loss, params, embeddings as tf.Tensor2D, gathered).loss,
        [embeddings, gathered.rows]
      )
      head.update(await rowGradients(gathered.plan, grads[gathered.rows.name]), SGD.lr)
      runner.rowsPerStep = gathered.plan.classes.length
      await value.data()
      tf.dispose([value, gathered.rows, ...Object.values(grads)])
    },
    dispose() {
      head.dispose()
    }
  }
  return runner
}

/** The figures one measured cell yields. */
export type CellFigures = Pick<HeadBenchCell, 'medianStepMs' | 'peakStepBytes' | 'rowsPerStep'>

/** What a child process measures: one cell. */
export interface CellRequest {
  variant: HeadVariant
  classes: number
  dim: number
  batch: number
  steps: number
  warmup: number
  backend: BackendChoice
}

/** Measures one cell in this process. */
export async function measureCell(
  variant: HeadVariant,
  classes: number,
  dim: number,
  options: Pick<HeadBenchOptions, 'batch' | 'steps' | 'warmup'>
): Promise<CellFigures> {
  const embeddings = tf.variable(tf.randomNormal([options.batch, dim], 0, 1, 'float32', 2))
  const runner = isDense(variant.loss) ? denseRunner(variant, classes, embeddings) : sparseRunner(variant, classes, embeddings)
  const labelRng = createRng(classes + dim)
  const labels = (): Int32Array => Int32Array.from({ length: options.batch }, () => labelRng.int(classes))
  // A sparse step takes milliseconds: at least 3 warm-up and 10 timed steps keep its median from
  // resting on one or two samples of a busy machine (a dense step is timed as asked: it takes seconds).
  const sparse = !isDense(variant.loss)
  const warmup = sparse ? Math.max(options.warmup, 3) : options.warmup
  const steps = sparse ? Math.max(options.steps, 10) : options.steps
  try {
    for (let i = 0; i < warmup; i++) await runner.step(labels())
    const times: number[] = []
    for (let i = 0; i < steps - 1; i++) {
      const batchLabels = labels()
      const start = performance.now()
      await runner.step(batchLabels)
      times.push(performance.now() - start)
    }
    // The last timed step also records its peak memory (a large dense step is too slow to run twice).
    const batchLabels = labels()
    const before = tf.memory().numBytes
    const start = performance.now()
    const profile = await tf.profile(() => runner.step(batchLabels))
    times.push(performance.now() - start)
    return {
      medianStepMs: median(times),
      peakStepBytes: Math.max(0, profile.peakBytes - before),
      rowsPerStep: runner.rowsPerStep
    }
  } finally {
    runner.dispose()
    embeddings.dispose()
  }
}

/** Centre rows a step of `variant` gathers at most: what its time grows with. */
function expectedRows(variant: HeadVariant, classes: number, batch: number): number {
  if (isDense(variant.loss)) return classes
  if (variant.loss === 'dsoftmax-b') return Math.min(classes, batch)
  const sampled = variant.count ?? Math.round((variant.rate ?? 1) * classes)
  return Math.min(classes, sampled + batch)
}

/**
 * Why a cell is not attempted, or null: a dense head that cannot fit the wasm heap, or any head
 * whose step time, extrapolated from the same head at fewer classes in this run in proportion to
 * the rows a step gathers, is too long.
 */
function skipReason(
  variant: HeadVariant,
  classes: number,
  dim: number,
  options: HeadBenchOptions,
  measured: HeadBenchCell[]
): string | null {
  const bytes = denseStepBytes(classes, dim, options.batch)
  if (isDense(variant.loss) && tf.getBackend() === 'wasm' && bytes > 0.85 * WASM_HEAP_BYTES) {
    return `a dense step needs ≈ ${(bytes / 2 ** 30).toFixed(1)} GiB of tf memory; the wasm heap stops at 4 GiB`
  }
  const smaller = measured
    .filter((c) => c.head === variant.label && c.dim === dim && c.status === 'ok' && c.classes < classes)
    .pop()
  if (smaller?.medianStepMs !== undefined) {
    const growth = expectedRows(variant, classes, options.batch) / expectedRows(variant, smaller.classes, options.batch)
    const predicted = (smaller.medianStepMs * growth) / 1000
    const total = predicted * (options.warmup + options.steps)
    if (predicted > options.maxStepSeconds) {
      return `predicted ${predicted.toFixed(0)} s per step (${total.toFixed(0)} s for the cell) from ${smaller.classes.toLocaleString('en')} classes, over --max-step-seconds ${options.maxStepSeconds}`
    }
  }
  return null
}

const CELL_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './benchHeadCell.ts' : './benchHeadCell.js', import.meta.url)

/** The last lines a dead child wrote: what says why (a wasm "Aborted()", an out-of-memory message). */
function lastLines(text: string, lines = 3): string {
  // A crash prints the minified source line it died in: keep each line short.
  const said = text
    .trim()
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('    at ') && !/^\s*\^\s*$/.test(line))
  return said
    .slice(-lines)
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line))
    .join(' | ')
}

/** Measures one cell in a child process (benchHeadCell.ts); a crash or a thrown error comes back as the reason. */
export function measureCellInProcess(request: CellRequest): Promise<{ figures: CellFigures } | { reason: string }> {
  const entry = fileURLToPath(CELL_ENTRY)
  return new Promise((resolve) => {
    const child = fork(entry, [JSON.stringify(request)], {
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc']
    })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8192)
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    let answer: { figures: CellFigures } | { reason: string } | null = null
    child.on('message', (message: { figures?: CellFigures; error?: string }) => {
      answer = message.figures ? { figures: message.figures } : { reason: message.error ?? 'the cell reported nothing' }
    })
    child.on('error', (error) => {
      answer ??= { reason: `could not start the cell's process: ${error.message}` }
    })
    child.on('exit', (code, signal) => {
      if (answer) return resolve(answer)
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
      const said = lastLines(output)
      resolve({ reason: `the cell's process ${how} before reporting${said ? `: ${said}` : ''}` })
    })
  })
}

/** Runs the grid (and the headline cells it lacks), printing each cell as it finishes. */
export async function runHeadBench(options: HeadBenchOptions, io: CliIo): Promise<HeadBenchCell[]> {
  const cells: HeadBenchCell[] = []
  const backend = (tf.getBackend() === 'tensorflow' ? 'node' : tf.getBackend()) as BackendChoice
  const groups: { classes: number; dim: number; variants: HeadVariant[] }[] = []
  for (const dim of options.dims) for (const classes of options.classes) groups.push({ classes, dim, variants: options.variants })
  for (const extra of options.extraCells) {
    const group = groups.find((g) => g.classes === extra.classes && g.dim === extra.dim)
    if (group && group.variants.some((v) => v.label === extra.variant.label)) continue
    if (group) group.variants = [...group.variants, extra.variant]
    else groups.push({ classes: extra.classes, dim: extra.dim, variants: [extra.variant] })
  }
  for (const { classes, dim, variants } of groups) {
    io.stdout(`\n${classes.toLocaleString('en')} classes × ${dim}-D, batch ${options.batch}:\n`)
    let softmaxMs: number | undefined
    // Softmax first: the others' ratio needs it.
    const ordered = [...variants.filter((v) => v.loss === 'softmax'), ...variants.filter((v) => v.loss !== 'softmax')]
    for (const variant of ordered) {
      const base = {
        head: variant.label,
        loss: variant.loss,
        classes,
        dim,
        batch: options.batch,
        stateBytes: stateBytes(variant, classes, dim),
        bytesPerIdentity: stateBytes(variant, classes, dim) / classes
      }
      const reason = skipReason(variant, classes, dim, options, cells)
      let cell: HeadBenchCell
      if (reason) cell = { ...base, status: 'skipped', reason }
      else if (options.isolation === 'process') {
        const outcome = await measureCellInProcess({
          variant,
          classes,
          dim,
          batch: options.batch,
          steps: options.steps,
          warmup: options.warmup,
          backend
        })
        cell =
          'figures' in outcome
            ? { ...base, status: 'ok', ...outcome.figures }
            : { ...base, status: 'failed', reason: outcome.reason }
      } else {
        try {
          cell = { ...base, status: 'ok', ...(await measureCell(variant, classes, dim, options)) }
        } catch (error) {
          cell = { ...base, status: 'failed', reason: error instanceof Error ? error.message : String(error) }
        }
      }
      if (variant.loss === 'softmax' && cell.status === 'ok') softmaxMs = cell.medianStepMs
      if (cell.status === 'ok' && softmaxMs !== undefined && cell.medianStepMs)
        cell.speedupVsSoftmax = softmaxMs / cell.medianStepMs
      cells.push(inReadingOrder(cell))
      io.stdout(`  ${formatCell(cell)}\n`)
    }
  }
  const headline = headlineSpeedup(cells)
  if (headline !== undefined)
    io.stdout(
      `\nD-Softmax-K 1/64 at ${HEADLINE.classes.toLocaleString('en')} × ${HEADLINE.dim}: ${headline.toFixed(1)}× dense Softmax (goal ≥ 40×)\n`
    )
  return cells
}

/** The headline ratio, when both of its cells ran. */
export function headlineSpeedup(cells: HeadBenchCell[]): number | undefined {
  return cells.find((c) => c.head === HEADLINE.heads[1] && c.classes === HEADLINE.classes && c.dim === HEADLINE.dim)
    ?.speedupVsSoftmax
}

/** The order a table shows a cell's keys in. */
const READING_ORDER = [
  'head',
  'loss',
  'classes',
  'dim',
  'batch',
  'status',
  'medianStepMs',
  'speedupVsSoftmax',
  'rowsPerStep',
  'peakStepBytes',
  'stateBytes',
  'bytesPerIdentity',
  'reason'
] as const satisfies readonly (keyof HeadBenchCell)[]

/** The same cell with its keys in reading order (absent ones left out). */
function inReadingOrder(cell: HeadBenchCell): HeadBenchCell {
  return Object.fromEntries(
    READING_ORDER.filter((key) => cell[key] !== undefined).map((key) => [key, cell[key]])
  ) as unknown as HeadBenchCell
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`
  return `${(bytes / 1024).toFixed(1)} KiB`
}

export function formatCell(cell: HeadBenchCell): string {
  const name = cell.head.padEnd(21)
  const memory = `state ${formatBytes(cell.stateBytes)} (${cell.bytesPerIdentity.toFixed(0)} B/identity)`
  if (cell.status !== 'ok') return `${name} ${cell.status}: ${cell.reason}; ${memory}`
  const speed = cell.speedupVsSoftmax !== undefined ? `${cell.speedupVsSoftmax.toFixed(1)}× Softmax` : 'no Softmax to compare'
  return (
    `${name} ${(cell.medianStepMs as number).toFixed(1).padStart(9)} ms/step  ${speed.padEnd(14)}  ` +
    `${(cell.rowsPerStep ?? 0).toLocaleString('en')} rows/step, step peak ${formatBytes(cell.peakStepBytes ?? 0)}, ${memory}`
  )
}

function parseList(value: string, name: string, parse: (item: string) => number): number[] {
  const items = value.split(',').map((item) => parse(item.trim()))
  if (!items.every((n) => Number.isFinite(n) && n > 0))
    throw new UsageError(`--${name} takes positive numbers, comma-separated (got "${value}")`)
  return items
}

/** "1/64" or "0.015625". */
function parseRate(item: string): number {
  const [num, den] = item.split('/')
  return den === undefined ? Number(num) : Number(num) / Number(den)
}

export function headBenchOptions(argv: string[]): HeadBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      classes: { type: 'string' },
      dims: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      rates: { type: 'string' },
      heads: { type: 'string' },
      'max-step-seconds': { type: 'string' },
      inline: { type: 'boolean' }
    }
  })
  const quick = values.quick === true
  const whole = (value: string | undefined, fallback: number, name: string, min: number): number => {
    const n = value === undefined ? fallback : Number(value)
    if (!(Number.isInteger(n) && n >= min)) throw new UsageError(`--${name} must be a whole number ≥ ${min} (got "${value}")`)
    return n
  }
  const rates = parseList(values.rates ?? '1/8,1/16,1/64', 'rates', parseRate)
  if (!rates.every((r) => r <= 1)) throw new UsageError('--rates are fractions of the classes, at most 1')
  let variants = DEFAULT_VARIANTS.filter((v) => v.rate === undefined || rates.includes(v.rate))
  for (const rate of rates) {
    if (!variants.some((v) => v.rate === rate))
      variants.push({ label: `D-Softmax-K 1/${Math.round(1 / rate)}`, loss: 'dsoftmax-k', rate })
  }
  // --quick: the heads the headline ratios need.
  const heads =
    values.heads ?? (quick ? 'softmax,dsoftmax,dsoftmax-b,D-Softmax-K 1/16,D-Softmax-K 1/64,D-Softmax-K K=1024' : undefined)
  if (heads) {
    const wanted = heads.split(',').map((h) => h.trim().toLowerCase())
    variants = variants.filter((v) => wanted.includes(v.label.toLowerCase()) || wanted.includes(v.loss))
    if (variants.length === 0) throw new UsageError(`--heads matched none of: ${DEFAULT_VARIANTS.map((v) => v.label).join(', ')}`)
  }
  return {
    classes: parseList(values.classes ?? (quick ? '10000,100000' : '10000,100000,1000000'), 'classes', Number).map(Math.round),
    dims: parseList(values.dims ?? (quick ? '128' : '512,128'), 'dims', Number).map(Math.round),
    batch: whole(values.batch, 256, 'batch', 1),
    steps: whole(values.steps, quick ? 1 : 3, 'steps', 1),
    warmup: whole(values.warmup, 1, 'warmup', 0),
    variants,
    maxStepSeconds: values['max-step-seconds'] === undefined ? 60 : Number(values['max-step-seconds']),
    isolation: values.inline ? 'inline' : 'process',
    // The quick and full records (no grid given) always carry the headline ratio.
    extraCells:
      values.classes === undefined && values.dims === undefined && values.heads === undefined
        ? DEFAULT_VARIANTS.filter((v) => HEADLINE.heads.includes(v.label)).map((variant) => ({
            variant,
            classes: HEADLINE.classes,
            dim: HEADLINE.dim
          }))
        : []
  }
}

export async function benchHead(argv: string[], io: CliIo): Promise<HeadBenchCell[]> {
  const options = headBenchOptions(argv)
  const backend = await initBackend()
  io.stdout(
    `Head step (forward, backward w.r.t. embeddings and centres, SGD update), backend ${backend.tfBackend}` +
      `${options.isolation === 'process' ? ', each cell in a process of its own' : ''}: ` +
      `median of ${options.steps} steps after ${options.warmup} warm-up; speed-up = Softmax time / head time at the same size.\n` +
      'state = centres + momentum (+ bias, + per-row step counter for the sparse store) kept between steps.\n'
  )
  return runHeadBench(options, io)
}
