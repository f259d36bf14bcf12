/**
 * The electron-builder configuration, loaded and schema-checked by electron-builder's own code,
 * against what the app needs: every installer target, the native modules actually installed,
 * the dataset and wasm binaries where src/core/appPaths.ts looks for them, and the icons.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import type { Configuration } from 'app-builder-lib'
import { beforeAll, describe, expect, it } from 'vitest'
import { ASAR_UNPACKED, WASM_BINARY, resolveAppPaths } from '../../../src/core/appPaths'
import { PRODUCT_NAME } from '../../../src/common/product'
import { pngSize, readIcns, readIco } from './iconFormats'
import { nativeFiles, productionTree } from './natives'

const ROOT = resolve(import.meta.dirname, '../../..')
const require = createRequire(import.meta.url)

interface ConfigModule {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<Configuration>
  validateConfiguration(
    config: Configuration,
    debugLogger: { isEnabled: boolean; add(key: string, value: unknown): void }
  ): Promise<void>
}
const builderConfig = require('app-builder-lib/out/util/config/config.js') as ConfigModule
const minimatch = require('minimatch') as (path: string, pattern: string, options?: { dot?: boolean }) => boolean

interface TargetEntry {
  target: string
  arch?: string[]
}

let config: Configuration

beforeAll(async () => {
  config = await builderConfig.getConfig(ROOT, null, null)
})

function targets(platform: 'win' | 'mac' | 'linux'): TargetEntry[] {
  const section = config[platform] as { target?: unknown } | null | undefined
  return (section?.target ?? []) as TargetEntry[]
}

function unpackPatterns(): string[] {
  const value = config.asarUnpack
  return value == null ? [] : Array.isArray(value) ? value : [value]
}

function isUnpacked(file: string): boolean {
  return unpackPatterns().some((pattern) => minimatch(file, pattern, { dot: true }))
}

describe('electron-builder configuration', () => {
  it('passes electron-builder’s own schema check, and that check does catch a bad key', async () => {
    const logger = { isEnabled: false, add() {} }
    // The validator normalizes what it checks (files → [{filter}]): give it copies.
    await expect(builderConfig.validateConfiguration(structuredClone(config), logger)).resolves.toBeUndefined()
    const bad = { ...structuredClone(config), win: { ...config.win, noSuchOption: 1 } } as Configuration
    await expect(builderConfig.validateConfiguration(bad, logger)).rejects.toThrow(/configuration\.win/)
  })

  it('names the app as the code does and pins the Electron version the lockfile resolves', () => {
    expect(config.appId).toMatch(/^[a-z][\w-]*(\.[a-z][\w-]*)+$/)
    expect(config.productName).toBe(PRODUCT_NAME)
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>
    }
    expect(config.electronVersion).toBe(lock.packages['node_modules/electron']?.version)
  })

  it('builds every installer: NSIS x64, DMG arm64 + x64, AppImage + deb x64', () => {
    expect(targets('win')).toEqual([{ target: 'nsis', arch: ['x64'] }])
    expect(targets('mac')).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }])
    expect(targets('linux')).toEqual([
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] }
    ])
  })

  it('packs the electron-vite output and its entry exists in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string }
    expect(pkg.main).toBe('./out/main/index.js')
    // getConfig normalizes `files` to [{ filter: [...] }].
    const files = ((config.files ?? []) as ({ filter?: string[] } | string)[]).flatMap((f) =>
      typeof f === 'string' ? [f] : (f.filter ?? [])
    )
    expect(files).toContain('out/**/*')
    expect(minimatch('out/main/chunks/trainerProcess-1.js', 'out/**/*')).toBe(true)
  })

  it('no platform files list is negations only (that brings back the default **/*: the whole repository)', () => {
    for (const platform of ['win', 'mac', 'linux'] as const) {
      const section = config[platform] as { files?: ({ filter?: string[] } | string)[] } | null | undefined
      const patterns = (section?.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])))
      if (patterns.length > 0)
        expect(
          patterns.filter((p) => !p.startsWith('!')),
          platform
        ).toContain('out/**/*')
    }
  })

  it('flips the Electron fuses that let the packaged binary run other code', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true
    })
    // The renderer is loaded from file:// with module scripts, which need file://'s privileges.
    expect(config.electronFuses?.grantFileProtocolExtraPrivileges).not.toBe(false)
  })

  it('macOS: hardened runtime with an entitlements file that grants JIT and nothing beyond a short list', () => {
    const mac = config.mac ?? {}
    expect(mac.hardenedRuntime).toBe(true)
    for (const file of [mac.entitlements, mac.entitlementsInherit]) {
      expect(file, 'entitlements path').toBeTruthy()
      const plist = readFileSync(join(ROOT, String(file)), 'utf8')
      const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1])
      expect(keys).toContain('com.apple.security.cs.allow-jit')
      const allowed = ['com.apple.security.cs.allow-jit', 'com.apple.security.cs.allow-unsigned-executable-memory']
      expect(
        keys.filter((key) => !allowed.includes(key)),
        'entitlements beyond JIT need a reason here'
      ).toEqual([])
    }
  })
})

describe('native modules and binaries are unpacked from the asar', () => {
  const tree = productionTree(ROOT)

  it('the production tree was found (sharp and onnxruntime-node are installed here)', () => {
    const names = tree.installed.map((p) => p.name)
    expect(names).toEqual(expect.arrayContaining(['sharp', 'onnxruntime-node', '@tensorflow/tfjs-backend-wasm']))
    expect(names).not.toContain('electron')
  })

  it('every .node addon, binding.gyp and shared library of a production package matches asarUnpack', () => {
    const natives = tree.installed.flatMap((pkg) => nativeFiles(pkg.dir, ROOT).map((file) => ({ pkg: pkg.name, file })))
    // Finds the ones this machine installed; a test that found none would prove nothing.
    expect(natives.map((n) => n.pkg)).toEqual(expect.arrayContaining(['sharp', 'onnxruntime-node']))
    expect(natives.filter((n) => n.file.endsWith('.node')).length).toBeGreaterThan(1)
    const packed = natives.filter((n) => !isUnpacked(n.file)).map((n) => `${n.pkg}: ${n.file}`)
    expect(packed, 'native files that would stay inside app.asar').toEqual([])
  })

  it('declared optional dependencies that did not install here (tfjs-node, tfjs-node-gpu) are unpacked too', () => {
    // Not installed, so their files cannot be scanned; the whole package is unpacked instead.
    for (const name of tree.missingOptional) {
      expect(isUnpacked(`node_modules/${name}/lib/binding.node`), name).toBe(true)
    }
  })

  it('the wasm binaries are unpacked, where appPaths looks for them in a package', () => {
    const dist = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')
    const wasm = readdirSync(dist).filter((f) => f.endsWith('.wasm'))
    expect(wasm).toContain(WASM_BINARY)
    for (const file of wasm) expect(isUnpacked(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${file}`), file).toBe(true)
    const resources = '/opt/app/resources'
    const unpackedWasm = `${resources}/${ASAR_UNPACKED}/node_modules/@tensorflow/tfjs-backend-wasm/dist/${WASM_BINARY}`
    const paths = resolveAppPaths({
      moduleFile: `${resources}/app.asar/out/main/index.js`,
      env: {},
      exists: (f) => f === unpackedWasm
    })
    expect(`${paths.wasmDir}/${WASM_BINARY}`).toBe(unpackedWasm)
  })

  it('the face models are unpacked, where the alignment workers read them in a package', () => {
    const models = readdirSync(join(ROOT, 'node_modules/@vladmandic/face-api/model'))
    expect(models).toContain('ssd_mobilenetv1_model.bin')
    for (const file of models) expect(isUnpacked(`node_modules/@vladmandic/face-api/model/${file}`), file).toBe(true)
  })

  it('each platform ships only its own Dawn build (webgpu/dist/<platform-arch>), unpacked', () => {
    const folders = readdirSync(join(ROOT, 'node_modules/webgpu/dist')).filter((f) => !f.includes('.'))
    expect(folders.sort()).toEqual(['darwin-universal', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64'])
    const keeps: Record<'win' | 'mac' | 'linux', string> = { win: 'win32-x64', mac: 'darwin-universal', linux: 'linux-x64' }
    for (const [platform, kept] of Object.entries(keeps) as ['win' | 'mac' | 'linux', string][]) {
      const section = config[platform] as { files?: ({ filter?: string[] } | string)[] } | null | undefined
      const excludes = (section?.files ?? [])
        .flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])))
        .filter((p) => p.startsWith('!'))
      const excluded = (folder: string): boolean =>
        excludes.some((pattern) => minimatch(`node_modules/webgpu/dist/${folder}/dawn.node`, pattern.slice(1), { dot: true }))
      expect(
        folders.filter((folder) => !excluded(folder)),
        platform
      ).toEqual([kept])
    }
    for (const file of [
      'win32-x64/dawn.node',
      'win32-x64/d3dcompiler_47.dll',
      'win32-x64/dxcompiler.dll',
      'linux-x64/dawn.node',
      'darwin-universal/dawn.node'
    ]) {
      expect(isUnpacked(`node_modules/webgpu/dist/${file}`), file).toBe(true)
    }
  })

  it('the deb package depends on the Vulkan loader dawn.node opens', () => {
    expect(config.deb?.depends).toContain('libvulkan1')
  })

  it('sharp and onnxruntime-node are real dependencies (not only dev), so the check above is about what ships', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['sharp', 'onnxruntime-node']))
  })
})

describe('the bundled dataset ships as an extra resource where appPaths finds it', () => {
  it('resources/fonts → <resources>/fonts with every file the loader reads', () => {
    const extra = (config.extraResources ?? []) as { from: string; to: string; filter?: string[] }[]
    const fonts = extra.find((e) => e.from === 'resources/fonts')
    expect(fonts?.to).toBe('fonts')
    for (const file of ['index.json', 'glyphs.png', 'pairs.json']) {
      expect(fonts?.filter, file).toContain(file)
      expect(existsSync(join(ROOT, 'resources/fonts', file)), file).toBe(true)
    }
    const packaged = resolveAppPaths({
      moduleFile: '/opt/app/resources/app.asar/out/main/index.js',
      env: {},
      exists: () => false
    })
    expect(join(packaged.resourcesDir, fonts?.to ?? '')).toBe('/opt/app/resources/fonts')
  })
})

describe('icons in build/ for every platform', () => {
  it('Windows: an .ico with 16…256 px PNG images whose headers agree with the directory', () => {
    const file = join(ROOT, String(config.win?.icon))
    const images = readIco(readFileSync(file))
    expect(images.map((i) => i.width)).toEqual(expect.arrayContaining([16, 24, 32, 48, 64, 128, 256]))
    for (const image of images) {
      expect(image.bitCount).toBe(32)
      expect(pngSize(image.data, `ico ${image.width}px`)).toEqual({ width: image.width, height: image.height })
    }
  })

  it('macOS: an .icns with PNG elements 16…1024 px (incl. @2x), each the size its type stands for', () => {
    const elements = readIcns(readFileSync(join(ROOT, String(config.mac?.icon))))
    const expected: Record<string, number> = {
      icp4: 16,
      icp5: 32,
      icp6: 64,
      ic07: 128,
      ic08: 256,
      ic09: 512,
      ic10: 1024,
      ic11: 32,
      ic12: 64,
      ic13: 256,
      ic14: 512
    }
    expect([...elements.keys()].sort()).toEqual(Object.keys(expected).sort())
    for (const [type, data] of elements) {
      const px = expected[type]
      expect(pngSize(data, `icns ${type}`), type).toEqual({ width: px, height: px })
    }
  })

  it('Linux: a folder of <N>x<N>.png from 16 to 1024 px, each really that size', () => {
    const dir = join(ROOT, String(config.linux?.icon))
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const file = join(dir, `${size}x${size}.png`)
      expect(pngSize(readFileSync(file), file)).toEqual({ width: size, height: size })
    }
  })

  it('the readers reject what is not an icon', () => {
    expect(() => pngSize(Buffer.from('GIF89a…………………………………'), 'x')).toThrow(/not a PNG/)
    expect(() => readIco(Buffer.from([0, 0, 2, 0, 1, 0]))).toThrow(/ICONDIR/)
    const cut = readFileSync(join(ROOT, 'build/icon.icns')).subarray(0, 5000)
    expect(() => readIcns(cut)).toThrow(/header says/)
  })
})

describe('the CI workflow (.github/workflows/package.yml)', () => {
  interface Workflow {
    jobs: Record<
      string,
      {
        'runs-on': string
        steps: { run?: string; env?: Record<string, string> }[]
        strategy?: { matrix: { include: { os: string; args: string }[] } }
      }
    >
  }
  const yaml = require('js-yaml') as { load(text: string): unknown }
  const workflow = yaml.load(readFileSync(join(ROOT, '.github/workflows/package.yml'), 'utf8')) as Workflow
  const runs = (job: string): string[] => workflow.jobs[job].steps.flatMap((s) => (s.run ? [s.run] : []))

  it('audits the production dependencies', () => {
    expect(runs('audit')).toEqual(expect.arrayContaining(['npm audit --omit=dev --audit-level=high']))
    expect(runs('audit').some((r) => r.includes('deps:list'))).toBe(true)
  })

  it('builds every installer target of the builder config on its own OS and checks the packed layout', () => {
    const include = workflow.jobs.installers.strategy?.matrix.include ?? []
    const args = include.map((m) => m.args).join(' ')
    for (const target of ['--win nsis --x64', '--mac dmg --arm64', '--mac dmg --x64', '--linux AppImage deb --x64'])
      expect(args).toContain(target)
    expect(include.map((m) => m.os.split('-')[0]).sort()).toEqual(['macos', 'macos', 'ubuntu', 'windows'])
    expect(runs('installers').some((r) => r.includes('packedLayout.test.ts'))).toBe(true)
  })
})
