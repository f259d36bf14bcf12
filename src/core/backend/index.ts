// Picks the TensorFlow.js backend for this process and says why.
//
// Order: tfjs-node-gpu (CUDA) → webgpu on a hardware adapter (Metal, D3D12, Vulkan; webgpu.ts) →
// tfjs-node → wasm (with our gradients, see wasmGradients.ts) → cpu. tfjs-node(-gpu) are optional:
// their install downloads libtensorflow and fails quietly where it cannot. Every backend passed
// over is reported with its reason, so a slow run explains itself.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { appPaths } from '../appPaths'
import { tf } from '../tf'
import { registerWasmGradients } from './wasmGradients'
import { registerWasmKernels } from './wasmKernels'
import {
  WebGpuUnavailable,
  activateWebGpu,
  adapterName,
  probeAdapter,
  probeAdapterIsolated,
  type GpuAdapterReport
} from './webgpu'
import { TRAIN_BACKENDS } from '../../common/names'

export { registerWasmGradients, WASM_MISSING_TRAINING_KERNELS } from './wasmGradients'
export { registerWasmKernels } from './wasmKernels'

export type { GpuAdapterReport } from './webgpu'
export { adapterName } from './webgpu'

export type BackendChoice = (typeof TRAIN_BACKENDS)[number]

/**
 * What initBackend chose and how, in full (versions, threads, adapter). The hosts' smaller
 * summary for the UI is `BackendReport` in src/common/dto.ts.
 */
export interface BackendInitReport {
  choice: BackendChoice
  /** tf.getBackend() after the switch: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  tfBackend: string
  forced: boolean
  reason: string
  rejected: { choice: BackendChoice; reason: string }[]
  /** wasm only. */
  simd?: boolean
  /** wasm only: worker threads in use (1 in Node, which has no wasm threads here). */
  threads?: number
  /** webgpu only: the adapter in use. */
  adapter?: GpuAdapterReport
  versions: Record<string, string>
}

export interface InitBackendOptions {
  force?: BackendChoice
  log?: (line: string) => void
  /** Folder holding tfjs-backend-wasm's .wasm files; by default resolved from node_modules. */
  wasmDir?: string
}

/** Every backend, in the order automatic selection tries them. */
export const BACKEND_CHOICES: readonly BackendChoice[] = TRAIN_BACKENDS

const NODE_PACKAGES = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' } as const

/** A backend that cannot be used, with the one-line reason shown to the user. */
class Unavailable extends Error {}

// Resolved against this file in source runs and against the bundle in a built main; the tfjs
// packages stay external (node_modules) in both.
const requireHere = createRequire(import.meta.url)

interface NodeBackendInstance {
  isGPUPackage?: boolean
  isUsingGpuDevice?: boolean
  binding?: { TF_Version?: string }
}

// Loading a native addon is once per process; remember the outcome.
const nodeLoads = new Map<keyof typeof NODE_PACKAGES, { error?: Unavailable }>()

function loadNodePackage(choice: keyof typeof NODE_PACKAGES): void {
  const cached = nodeLoads.get(choice)
  if (cached) {
    if (cached.error) throw cached.error
    return
  }
  const name = NODE_PACKAGES[choice]
  let error: Unavailable | undefined
  try {
    requireHere.resolve(name)
  } catch {
    error = new Unavailable('not installed')
  }
  if (!error) {
    // libtensorflow logs oneDNN/CPU-feature notices to stderr on load; keep the CLI quiet.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'
    try {
      requireHere(name)
    } catch (e) {
      error = new Unavailable(`failed to load: ${firstLine(e)}`)
    }
  }
  nodeLoads.set(choice, { error })
  if (error) throw error
}

async function activateNode(choice: keyof typeof NODE_PACKAGES): Promise<Partial<BackendInitReport>> {
  // Both packages register the same 'tensorflow' backend and the first loaded wins. When the GPU
  // build loaded but found no GPU, it still is native TensorFlow on the CPU: use it as 'node'.
  const gpuBuildLoaded = choice === 'node' && nodeLoads.has('node-gpu') && !nodeLoads.get('node-gpu')?.error
  if (!gpuBuildLoaded) loadNodePackage(choice)
  if (!(await tf.setBackend('tensorflow'))) throw new Unavailable('failed to load: tensorflow backend did not initialise')
  const instance = tf.engine().findBackend('tensorflow') as unknown as NodeBackendInstance
  if (choice === 'node-gpu' && !(instance.isGPUPackage && instance.isUsingGpuDevice)) {
    throw new Unavailable(
      instance.isGPUPackage ? 'no GPU: no CUDA device visible to TensorFlow' : 'no GPU: tfjs-node (CPU build) already loaded'
    )
  }
  const versions: Record<string, string> = {}
  const pkg = instance.isGPUPackage ? NODE_PACKAGES['node-gpu'] : NODE_PACKAGES.node
  try {
    versions[pkg.replace('@tensorflow/', '')] = (requireHere(`${pkg}/package.json`) as { version: string }).version
  } catch {
    // Version is informative only.
  }
  if (instance.binding?.TF_Version) versions.libtensorflow = instance.binding.TF_Version
  return { versions }
}

let wasmDirSet: string | undefined

const PROCESS_ERROR_EVENTS = ['uncaughtException', 'unhandledRejection'] as const

/**
 * Runs `start` and removes the process-wide 'uncaughtException'/'unhandledRejection' listeners it
 * added. Emscripten's Node glue (tfjs-backend-wasm) installs ones that rethrow, so after wasm
 * starts any stray rejection would end the process even where the host handles them itself.
 */
async function withoutAddedErrorListeners<T>(start: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process
  const before = new Map(PROCESS_ERROR_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]))
  try {
    return await start()
  } finally {
    for (const event of PROCESS_ERROR_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void)
      }
    }
  }
}

async function activateWasm(wasmDir: string | undefined): Promise<Partial<BackendInitReport>> {
  return withoutAddedErrorListeners(() => startWasm(wasmDir))
}

async function startWasm(wasmDir: string | undefined): Promise<Partial<BackendInitReport>> {
  let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm')
  try {
    wasmModule = await import('@tensorflow/tfjs-backend-wasm')
  } catch (e) {
    throw new Unavailable(`failed to load: ${firstLine(e)}`)
  }
  if (wasmDirSet === undefined && tf.findBackend('wasm') == null) {
    // Emscripten looks for the .wasm next to the running script: right for node_modules, wrong
    // inside a bundle (out/main). Point it at the package folder explicitly. The paths are read
    // once, when wasm first initialises; later wasmDir values are ignored.
    // appPaths: the unpacked copy inside a packaged app, DSOFTMAX_WASM_DIR, or node_modules.
    const dir = wasmDir ?? appPaths().wasmDir ?? defaultWasmDir()
    if (dir) {
      // Checked here because a failed emscripten load prints three 'Aborted' lines to stderr.
      if (!existsSync(join(dir, 'tfjs-backend-wasm.wasm')))
        throw new Unavailable(`failed to load: tfjs-backend-wasm.wasm not found in ${dir}`)
      wasmModule.setWasmPaths(dir.endsWith('/') || dir.endsWith('\\') ? dir : dir + '/')
      wasmDirSet = dir
    }
  }
  let ok = false
  try {
    ok = await tf.setBackend('wasm')
  } catch (e) {
    throw new Unavailable(`failed to load: ${firstLine(e)}`)
  }
  if (!ok) throw new Unavailable(`failed to load: wasm binary not found${wasmDirSet ? ` in ${wasmDirSet}` : ''}`)
  registerWasmGradients()
  registerWasmKernels()
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))
  return { simd, threads: Math.max(1, wasmModule.getThreadsCount()), versions: { 'tfjs-backend-wasm': wasmModule.version_wasm } }
}

function defaultWasmDir(): string | undefined {
  try {
    return dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))
  } catch {
    try {
      return join(dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')
    } catch {
      return undefined
    }
  }
}

async function activateCpu(): Promise<Partial<BackendInitReport>> {
  try {
    await import('@tensorflow/tfjs-backend-cpu')
  } catch (e) {
    throw new Unavailable(`failed to load: ${firstLine(e)}`)
  }
  if (!(await tf.setBackend('cpu'))) throw new Unavailable('failed to load: cpu backend did not initialise')
  return { versions: { 'tfjs-backend-cpu': tf.version_core } }
}

async function activateGpu(forced: boolean): Promise<Partial<BackendInitReport>> {
  try {
    if (!forced) {
      // Looked at from a child first (see probeAdapterIsolated), except under Electron: its
      // packaged binary cannot run as plain Node, and there the trainer is a process of its own.
      const probed = process.versions.electron ? await probeAdapter() : await probeAdapterIsolated()
      if (probed instanceof WebGpuUnavailable) throw probed
      if (probed.fallback)
        throw new WebGpuUnavailable(
          `only a software adapter (${adapterName(probed)}): slower than wasm; --backend webgpu forces it`
        )
    }
    const { adapter, version } = await activateWebGpu(forced)
    return { adapter, versions: { 'tfjs-backend-webgpu': version } }
  } catch (e) {
    throw e instanceof WebGpuUnavailable ? new Unavailable(e.message) : e
  }
}

function activate(choice: BackendChoice, opts: InitBackendOptions): Promise<Partial<BackendInitReport>> {
  switch (choice) {
    case 'webgpu':
      return activateGpu(opts.force === 'webgpu')
    case 'node-gpu':
    case 'node':
      return activateNode(choice)
    case 'wasm':
      return activateWasm(opts.wasmDir)
    case 'cpu':
      return activateCpu()
  }
}

/**
 * Chooses and activates a backend. Call it once before creating any tensor or variable: tensors
 * live in the backend that was active when they were made. Calling again with another choice
 * switches backends (used by `bench`); existing tensors then move lazily.
 * A forced choice that is unavailable throws; it never falls back silently.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInitReport> {
  const log = opts.log ?? (() => {})
  // tfjs prints an "install tfjs-node" banner and debug warnings unless in production mode.
  tf.env().set('PROD', true)
  if (opts.force && !BACKEND_CHOICES.includes(opts.force)) {
    throw new Error(`Unknown backend '${String(opts.force)}': expected one of ${BACKEND_CHOICES.join(', ')}`)
  }
  const candidates = opts.force ? [opts.force] : BACKEND_CHOICES
  const rejected: BackendInitReport['rejected'] = []
  for (const choice of candidates) {
    try {
      const extra = await activate(choice, opts)
      const reason = opts.force
        ? 'forced'
        : rejected.length
          ? `fastest available (${rejected.map((r) => `${r.choice}: ${r.reason}`).join('; ')})`
          : 'fastest available'
      const report: BackendInitReport = {
        choice,
        tfBackend: tf.getBackend(),
        forced: Boolean(opts.force),
        reason,
        rejected,
        ...(extra.simd !== undefined ? { simd: extra.simd } : {}),
        ...(extra.threads !== undefined ? { threads: extra.threads } : {}),
        ...(extra.adapter ? { adapter: extra.adapter } : {}),
        versions: { 'tfjs-core': tf.version_core, ...extra.versions }
      }
      log(`backend: ${choice} (${report.tfBackend}) — ${reason}`)
      return report
    } catch (e) {
      const reason = e instanceof Unavailable ? e.message : `failed to load: ${firstLine(e)}`
      if (opts.force) {
        const pkg = choice === 'node-gpu' || choice === 'node' ? ` (${NODE_PACKAGES[choice]})` : ''
        throw new Error(`Backend '${choice}'${pkg} is not available: ${reason}`)
      }
      rejected.push({ choice, reason })
      log(`backend: ${choice} rejected — ${reason}`)
    }
  }
  throw new Error(`No TensorFlow.js backend is available (${rejected.map((r) => `${r.choice}: ${r.reason}`).join('; ')})`)
}

/** One or two lines for the CLI. */
export function describeBackend(r: BackendInitReport): string {
  const details: string[] = [r.tfBackend]
  if (r.simd !== undefined) details.push(r.simd ? 'SIMD' : 'no SIMD')
  if (r.threads !== undefined) details.push(`${r.threads} thread${r.threads === 1 ? '' : 's'}`)
  if (r.adapter) details.push(describeAdapter(r.adapter))
  const first = `Backend: ${r.choice} (${details.join(', ')}) — ${r.forced ? 'forced' : 'fastest available'}`
  if (!r.rejected.length) return first
  return `${first}\n  passed over: ${r.rejected.map((x) => `${x.choice} (${x.reason})`).join(', ')}`
}

/** "nvidia hopper, NVIDIA H200, buffers ≤ 2.0 GiB" (software adapters say so). */
export function describeAdapter(a: GpuAdapterReport): string {
  const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`
  const parts = [adapterName(a)]
  if (a.description && !parts[0].includes(a.description)) parts.push(a.description)
  parts.push(`buffers ≤ ${gib(a.maxStorageBufferBindingSize)}`)
  if (a.fallback) parts.push('CPU emulation: for correctness, not speed')
  return parts.join(', ')
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String(e.message) : String(e)
  return message.split('\n')[0]
}
