/**
 * Where the app's own files are, in each of the three layouts it runs from:
 *
 *   dev       src/… run by tsx or vitest            <repo>/src/core/appPaths.ts
 *   built     electron-vite's out/ folder           <repo>/out/main/chunks/x.js
 *   packaged  electron-builder's package            <resources>/app.asar/out/main/chunks/x.js
 *
 * In the package, code and plain files live in app.asar; native modules and the wasm binaries
 * are copied beside it into app.asar.unpacked (asarUnpack in electron-builder.yml), and the
 * bundled dataset is an extraResource: <resources>/fonts. The layout is read from the path of
 * the running module, so the same code finds its files in the main process, the trainer's
 * utility process and the CLI. Host-neutral: no Electron import.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export type AppLayout = 'dev' | 'built' | 'packaged'

export interface AppPaths {
  layout: AppLayout
  /** The app's root: the repository (dev, built) or the app.asar archive (packaged). */
  appRoot: string
  /** Folder holding `fonts/` (the bundled dataset). `DSOFTMAX_RESOURCES` overrides it. */
  resourcesDir: string
  /** Folder holding tfjs-backend-wasm's .wasm files; `DSOFTMAX_WASM_DIR` overrides it. Undefined when not installed. */
  wasmDir: string | undefined
}

export interface AppPathsOptions {
  /** Absolute path of a module of the app; default: this module. */
  moduleFile?: string
  /** Electron's `process.resourcesPath` (packaged only); default: the folder holding app.asar. */
  resourcesPath?: string
  env?: Readonly<Record<string, string | undefined>>
  /** Finds a file on disk (tests pass a fake file system). */
  exists?: (file: string) => boolean
}

export const ASAR = 'app.asar'
export const ASAR_UNPACKED = 'app.asar.unpacked'
const WASM_PACKAGE = ['node_modules', '@tensorflow', 'tfjs-backend-wasm']
export const WASM_BINARY = 'tfjs-backend-wasm.wasm'

/** Path segments, whichever separator the path uses (a packaged Windows path on any host). */
function segments(file: string): string[] {
  return file.split(/[\\/]+/)
}

function pathApi(file: string): typeof path.posix {
  return /^[A-Za-z]:[\\/]|^\\\\/.test(file) ? path.win32 : path.posix
}

/** The first `count` segments of `file` joined again, keeping a leading `/` or drive. */
function prefix(file: string, count: number): string {
  const api = pathApi(file)
  const head = segments(file).slice(0, count)
  const joined = head.join(api.sep)
  return joined === '' ? api.sep : joined
}

/** Reads the layout and the app root from a module path of the app. */
export function detectLayout(
  moduleFile: string,
  exists: (file: string) => boolean = existsSync
): { layout: AppLayout; appRoot: string } {
  const parts = segments(moduleFile)
  const asar = parts.lastIndexOf(ASAR)
  if (asar >= 0) return { layout: 'packaged', appRoot: prefix(moduleFile, asar + 1) }
  const out = parts.lastIndexOf('out')
  if (out >= 0 && ['main', 'preload', 'cli'].includes(parts[out + 1] ?? ''))
    return { layout: 'built', appRoot: prefix(moduleFile, out) }
  const src = parts.lastIndexOf('src')
  if (src >= 0) return { layout: 'dev', appRoot: prefix(moduleFile, src) }
  // Elsewhere (a bundle copied somewhere else): the nearest folder above holding package.json.
  const api = pathApi(moduleFile)
  for (let dir = api.dirname(moduleFile); ; dir = api.dirname(dir)) {
    if (exists(api.join(dir, 'package.json'))) return { layout: 'built', appRoot: dir }
    if (api.dirname(dir) === dir) break
  }
  throw new Error(
    `appPaths: cannot tell where the app lives from ${moduleFile} (no src/, out/ or app.asar above it, no package.json)`
  )
}

/**
 * The unpacked twin of a path inside app.asar (`…/app.asar/x` → `…/app.asar.unpacked/x`):
 * where electron-builder puts what asarUnpack lists, and the only place a process that does
 * not read asar archives (or a native loader) can open it. Other paths are returned as they are.
 */
export function toUnpacked(file: string): string {
  const parts = segments(file)
  const asar = parts.lastIndexOf(ASAR)
  if (asar < 0) return file
  const api = pathApi(file)
  return api.join(prefix(file, asar), ASAR_UNPACKED, ...parts.slice(asar + 1))
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined
}

function installedWasmDir(appRoot: string, layout: AppLayout, exists: (file: string) => boolean): string | undefined {
  const api = pathApi(appRoot)
  if (layout === 'packaged') {
    const dir = toUnpacked(api.join(appRoot, ...WASM_PACKAGE, 'dist'))
    return exists(api.join(dir, WASM_BINARY)) ? dir : undefined
  }
  const direct = api.join(appRoot, ...WASM_PACKAGE, 'dist')
  if (exists(api.join(direct, WASM_BINARY))) return direct
  // A hoisted or linked install: ask Node's resolver from the app root.
  try {
    const found = createRequire(api.join(appRoot, 'package.json')).resolve(`@tensorflow/tfjs-backend-wasm/dist/${WASM_BINARY}`)
    return path.dirname(found)
  } catch {
    return undefined
  }
}

/** Resolves the app's files for the layout `moduleFile` lies in (see the module comment). */
export function resolveAppPaths(options: AppPathsOptions = {}): AppPaths {
  const exists = options.exists ?? existsSync
  const env = options.env ?? process.env
  const moduleFile = options.moduleFile ?? fileURLToPath(import.meta.url)
  const { layout, appRoot } = detectLayout(moduleFile, exists)
  const api = pathApi(appRoot)
  const packagedResources = layout === 'packaged' ? (options.resourcesPath ?? api.dirname(appRoot)) : undefined
  const envResources = nonEmpty(env.DSOFTMAX_RESOURCES)
  const envWasm = nonEmpty(env.DSOFTMAX_WASM_DIR)
  return {
    layout,
    appRoot,
    resourcesDir: envResources ? path.resolve(envResources) : (packagedResources ?? api.join(appRoot, 'resources')),
    wasmDir: envWasm ? path.resolve(envWasm) : installedWasmDir(appRoot, layout, exists)
  }
}

/** Electron's resourcesPath where it exists (main and utility processes), else undefined. */
function electronResourcesPath(): string | undefined {
  const value = (process as { resourcesPath?: unknown }).resourcesPath
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** The paths of this process (environment read on every call, so tests and hosts can set it). */
export function appPaths(): AppPaths {
  return resolveAppPaths({ resourcesPath: electronResourcesPath() })
}

/**
 * The trainer process entry to start, from the path electron-vite built (`?modulePath`), checked
 * before a process is started from it so a broken package fails naming the file instead of as a
 * silent child exit. Inside app.asar it stays where it is (Electron's utilityProcess reads asar
 * archives, and the entry needs its sibling chunks and node_modules, packed there too) unless
 * only an unpacked copy exists.
 */
export function trainerEntryPath(builtEntry: string, exists: (file: string) => boolean = existsSync): string {
  if (exists(builtEntry)) return builtEntry
  const unpacked = toUnpacked(builtEntry)
  if (unpacked !== builtEntry && exists(unpacked)) return unpacked
  throw new Error(`the trainer process entry is missing: ${builtEntry} (rebuild with electron-vite build)`)
}
