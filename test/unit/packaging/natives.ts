/**
 * Finds the packages of the production dependency tree (dependencies + optionalDependencies of
 * package.json, transitively, as Node would resolve them in node_modules) and the native code in
 * each: `.node` addons, `binding.gyp` sources and the shared libraries addons load.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'

export interface InstalledPackage {
  name: string
  dir: string
}

export interface ProductionTree {
  installed: InstalledPackage[]
  /** Declared (optional) dependencies that are not installed here, e.g. tfjs-node where its download failed. */
  missingOptional: string[]
}

interface Manifest {
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
}

/** Node's lookup: node_modules/<name> in `fromDir` and every folder above it, up to `root`. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dir === root || dirname(dir) === dir) return undefined
  }
}

/**
 * @param exclude Declared names that are never packaged (Electron itself: electron-builder
 *   supplies the runtime and leaves the package out).
 */
export function productionTree(root: string, exclude: readonly string[] = ['electron']): ProductionTree {
  const installed = new Map<string, InstalledPackage>()
  const missingOptional = new Set<string>()
  const visit = (fromDir: string, manifest: Manifest): void => {
    const required = Object.keys(manifest.dependencies ?? {})
    const optional = Object.keys(manifest.optionalDependencies ?? {})
    for (const name of [...required, ...optional]) {
      if (exclude.includes(name)) continue
      const dir = resolvePackageDir(name, fromDir, root)
      if (!dir) {
        if (optional.includes(name)) missingOptional.add(name)
        else throw new Error(`${name} (needed by ${relative(root, fromDir) || 'package.json'}) is not installed`)
        continue
      }
      if (installed.has(dir)) continue
      installed.set(dir, { name, dir })
      visit(dir, readManifest(dir))
    }
  }
  visit(root, readManifest(root))
  return { installed: [...installed.values()], missingOptional: [...missingOptional] }
}

const NATIVE_FILE = /(\.node|\.so(\.\d+)*|\.dylib|\.dll)$|^binding\.gyp$/

/** Native files of one package, relative to `root`, with `/` separators; nested node_modules are other packages. */
export function nativeFiles(pkgDir: string, root: string): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(join(dir, entry.name))
      } else if (NATIVE_FILE.test(entry.name)) {
        found.push(relative(root, join(dir, entry.name)).split(sep).join('/'))
      }
    }
  }
  walk(pkgDir)
  return found
}
