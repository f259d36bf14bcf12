// The WebGPU backend: Dawn's Node bindings (npm `webgpu`, prebuilt dawn.node per platform) under
// @tensorflow/tfjs-backend-webgpu. Dawn drives Metal on macOS, D3D12 on Windows and Vulkan on
// Linux, so this is the GPU path that needs no CUDA.
//
// Two facts shape this module. tfjs-backend-webgpu registers itself only if `navigator.gpu`
// exists when it is imported, so Dawn's globals go in first. And a software adapter (SwiftShader,
// llvmpipe) emulates a GPU on the CPU at a fraction of wasm's speed: it is refused unless forced.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { tf } from '../tf'
import { registerWebGpuKernels } from './webgpuKernels'

/** What the adapter says about itself, for reports and GPU memory checks. */
export interface GpuAdapterReport {
  vendor: string
  architecture: string
  device: string
  description: string
  /** True for a software (CPU-emulated) adapter. */
  fallback: boolean
  /** Largest single GPU buffer, bytes. */
  maxBufferSize: number
  /** Largest buffer one shader may bind, bytes: the real ceiling for one tensor. */
  maxStorageBufferBindingSize: number
}

/** A backend that cannot be used, with the reason shown to the user. */
export class WebGpuUnavailable extends Error {}

const requireHere = createRequire(import.meta.url)

interface DawnModule {
  create(flags: string[]): GPU
  globals: Record<string, unknown>
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }
  isFallbackAdapter?: boolean
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number }
}

let installed: Promise<GPU> | undefined

/** Loads dawn.node once and gives it the browser's globals (`navigator.gpu`, GPUBufferUsage…). */
function installDawn(): Promise<GPU> {
  installed ??= (async () => {
    let dawn: DawnModule
    try {
      // Imported by file URL: the package is ESM and resolves dawn.node beside itself, which in a
      // packaged app is the unpacked copy.
      dawn = (await import(pathToFileURL(requireHere.resolve('webgpu')).href)) as DawnModule
    } catch (e) {
      throw new WebGpuUnavailable(`failed to load Dawn (npm webgpu): ${firstLine(e)}`)
    }
    for (const [name, value] of Object.entries(dawn.globals)) {
      if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true })
    }
    const gpu = dawn.create([])
    // Node 20 has no navigator; Node 21+ and Electron's utility process have one without `gpu`.
    const scope = globalThis as { navigator?: object }
    if (scope.navigator === undefined)
      Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true })
    Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true })
    return gpu
  })()
  return installed
}

/** The adapter tfjs will get (it asks for the high-performance one), described. */
export async function probeAdapter(): Promise<GpuAdapterReport> {
  const gpu = await installDawn()
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as unknown as AdapterLike | null
  if (!adapter) throw new WebGpuUnavailable('no GPU adapter (no Metal, D3D12 or Vulkan device with the features WebGPU needs)')
  const info = adapter.info ?? {}
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    device: info.device || '',
    description: info.description || '',
    fallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize
  }
}

/** A short name for an adapter: "nvidia hopper", "google swiftshader (software)". */
export function adapterName(a: GpuAdapterReport): string {
  const name = [a.vendor, a.architecture].filter((s) => s && s !== 'unknown').join(' ') || a.description || 'unknown adapter'
  return a.fallback ? `${name} (software)` : name
}

/**
 * Makes webgpu the active tfjs backend. Without `allowSoftware` a software adapter is refused:
 * it would be chosen over wasm and run far slower.
 */
export async function activateWebGpu(allowSoftware: boolean): Promise<{ adapter: GpuAdapterReport; version: string }> {
  const adapter = await probeAdapter()
  if (adapter.fallback && !allowSoftware) {
    throw new WebGpuUnavailable(
      `only a software adapter (${adapterName(adapter)}): it emulates a GPU on the CPU and is slower than wasm; --backend webgpu forces it`
    )
  }
  let backendModule: { version_webgpu?: string }
  try {
    backendModule = (await import('@tensorflow/tfjs-backend-webgpu')) as { version_webgpu?: string }
  } catch (e) {
    throw new WebGpuUnavailable(`failed to load @tensorflow/tfjs-backend-webgpu: ${firstLine(e)}`)
  }
  if (tf.findBackendFactory('webgpu') == null)
    throw new WebGpuUnavailable('tfjs-backend-webgpu did not register (navigator.gpu missing when it loaded)')
  // setBackend answers false on failure and leaves getBackend() naming webgpu: the return value decides.
  let ok = false
  try {
    ok = await tf.setBackend('webgpu')
  } catch (e) {
    throw new WebGpuUnavailable(`failed to start: ${firstLine(e)}`)
  }
  if (!ok) throw new WebGpuUnavailable('failed to start: the adapter refused a device')
  registerWebGpuKernels()
  return { adapter, version: backendModule.version_webgpu ?? tf.version_core }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]
}

/**
 * probeAdapter() in a child process. Automatic selection uses it: Vulkan loaders print driver
 * complaints straight to stderr while enumerating adapters (Debian's lavapipe prints three lines
 * on every machine without a GPU), and a broken driver can crash the process that asks. The
 * child takes both. Gives the reason instead when there is no adapter or the probe failed.
 */
export async function probeAdapterIsolated(timeoutMs = 20_000): Promise<GpuAdapterReport | WebGpuUnavailable> {
  const { execFile } = await import('node:child_process')
  let entry: string
  try {
    entry = pathToFileURL(requireHere.resolve('webgpu')).href
  } catch {
    return new WebGpuUnavailable('failed to load Dawn (npm webgpu): not installed')
  }
  const script = `
    const { create } = await import(${JSON.stringify(entry)});
    const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
    const i = (a && a.info) || {};
    process.stdout.write(JSON.stringify(a ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
      fallback: Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter), maxBufferSize: a.limits.maxBufferSize,
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize } : null));
    process.exit(0);`
  return new Promise((resolve) => {
    // ELECTRON_RUN_AS_NODE: under Electron, execPath is the app; this makes it a plain Node.
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: timeoutMs, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
      (error, stdout) => {
        if (error) return resolve(new WebGpuUnavailable(`adapter probe failed: ${firstLine(error)}`))
        try {
          const parsed = JSON.parse(stdout) as Partial<GpuAdapterReport> | null
          if (!parsed)
            return resolve(
              new WebGpuUnavailable('no GPU adapter (no Metal, D3D12 or Vulkan device with the features WebGPU needs)')
            )
          resolve({
            vendor: parsed.vendor || 'unknown',
            architecture: parsed.architecture || 'unknown',
            device: parsed.device || '',
            description: parsed.description || '',
            fallback: parsed.fallback === true,
            maxBufferSize: Number(parsed.maxBufferSize),
            maxStorageBufferBindingSize: Number(parsed.maxStorageBufferBindingSize)
          })
        } catch {
          resolve(new WebGpuUnavailable('adapter probe gave no answer'))
        }
      }
    )
  })
}
