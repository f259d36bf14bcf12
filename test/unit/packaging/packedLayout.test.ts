/**
 * A real package's layout, where one was built: set DSOFTMAX_PACKED_RESOURCES to its resources
 * folder (the one holding app.asar — dist/linux-unpacked/resources, dist/win-unpacked/resources,
 * dist/mac-arm64/D-Softmax Studio.app/Contents/Resources). The CI workflow does this after
 * electron-builder on each OS. Without it the tests skip and say so (no Electron binary here).
 *
 * Checks that the package holds the built app and no dev tooling, that native code and the wasm
 * binaries really are outside the archive, and that src/core/appPaths.ts finds the dataset and the
 * wasm binaries and the trainer entry from a module inside it, and that the app binary's fuses
 * were flipped as electron-builder.yml asks.
 *
 * Without Electron: `node test/unit/packaging/fake-electron-dist.mjs /tmp/fake-electron`, then
 * `npx electron-builder --linux dir --config.electronDist=/tmp/fake-electron` and
 * `DSOFTMAX_PACKED_RESOURCES=dist/linux-unpacked/resources npx vitest run test/unit/packaging/packedLayout.test.ts`.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ASAR, ASAR_UNPACKED, WASM_BINARY, resolveAppPaths, toUnpacked } from '../../../src/core/appPaths'

interface FusesApi {
  getCurrentFuseWire(binary: string): Promise<Record<string, number | string>>
}

interface AsarApi {
  listPackage(archive: string, options: { isPack: boolean }): string[]
  statFile(archive: string, file: string): { unpacked?: boolean }
}

const RESOURCES = process.env.DSOFTMAX_PACKED_RESOURCES ?? ''
const present = RESOURCES !== '' && existsSync(join(RESOURCES, ASAR))
if (!present) {
  console.warn(
    '[packaging] SKIPPED the packed-layout checks: no package here (set DSOFTMAX_PACKED_RESOURCES to a built package’s resources folder; CI does after electron-builder).'
  )
}

describe.skipIf(!present)('a built package (DSOFTMAX_PACKED_RESOURCES)', () => {
  const asar = createRequire(import.meta.url)('@electron/asar') as AsarApi
  const archive = join(RESOURCES, ASAR)
  const files = present ? asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/\\/g, '/').replace(/^\/?/, '/')) : []

  it('holds the built main, preload, renderer and trainer entry', () => {
    for (const file of ['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html'])
      expect(files, file).toContain(file)
    expect(files.some((f) => /^\/out\/main\/chunks\/trainerProcess-[^/]+\.js$/.test(f))).toBe(true)
  })

  it('holds no sources, source maps or dev tooling', () => {
    expect(files.filter((f) => f.startsWith('/src/') || f.startsWith('/test/'))).toEqual([])
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
    for (const dev of ['vitest', 'electron-builder', 'typescript', 'electron-vite', 'electron', 'playwright-core']) {
      expect(files, dev).not.toContain(`/node_modules/${dev}/package.json`)
    }
  })

  it('every native addon is marked unpacked and present beside the archive', () => {
    const natives = files.filter((f) => f.endsWith('.node'))
    expect(natives.length).toBeGreaterThan(0)
    for (const file of natives) {
      expect(asar.statFile(archive, file.slice(1)).unpacked, file).toBe(true)
      expect(existsSync(join(RESOURCES, ASAR_UNPACKED, file)), file).toBe(true)
    }
  })

  it('holds the face alignment worker, and the face models unpacked where faceModelDir looks', () => {
    expect(files).toContain('/out/main/align/alignWorker.js')
    const models = files.filter((f) => f.startsWith('/node_modules/@vladmandic/face-api/model/'))
    expect(models).toContain('/node_modules/@vladmandic/face-api/model/ssd_mobilenetv1_model.bin')
    for (const file of models) {
      expect(asar.statFile(archive, file.slice(1)).unpacked, file).toBe(true)
      expect(existsSync(join(RESOURCES, ASAR_UNPACKED, file)), file).toBe(true)
    }
  })

  it('holds only this platform’s Dawn build, unpacked (on Windows with the DirectX shader compilers beside it)', () => {
    const dawn = files.filter((f) => f.startsWith('/node_modules/webgpu/dist/'))
    const folders = [...new Set(dawn.map((f) => f.split('/')[4]))]
    const expected = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`
    expect(folders).toEqual([expected])
    const names = dawn.map((f) => f.split('/').pop())
    expect(names).toContain('dawn.node')
    if (process.platform === 'win32') expect(names).toEqual(expect.arrayContaining(['d3dcompiler_47.dll', 'dxcompiler.dll']))
    for (const file of dawn.filter((f) => /\.(node|dll)$/.test(f))) {
      expect(asar.statFile(archive, file.slice(1)).unpacked, file).toBe(true)
      expect(existsSync(join(RESOURCES, ASAR_UNPACKED, file)), file).toBe(true)
    }
  })

  it('appPaths, from a module inside the package, finds the dataset, the wasm binaries and the trainer entry', () => {
    const moduleFile = join(archive, 'out', 'main', 'index.js')
    const paths = resolveAppPaths({ moduleFile, env: {} })
    expect(paths.layout).toBe('packaged')
    expect(existsSync(join(paths.resourcesDir, 'fonts', 'index.json'))).toBe(true)
    expect(existsSync(join(paths.resourcesDir, 'fonts', 'glyphs.png'))).toBe(true)
    expect(paths.wasmDir && existsSync(join(paths.wasmDir, WASM_BINARY))).toBe(true)
    const trainer = files.find((f) => f.includes('/trainerProcess-')) ?? ''
    expect(toUnpacked(join(archive, trainer))).toContain(ASAR_UNPACKED)
  })

  it('the app binary cannot run as Node, ignores NODE_OPTIONS and --inspect, and loads only app.asar (fuses)', async () => {
    const require = createRequire(import.meta.url)
    const { getCurrentFuseWire } = require('@electron/fuses') as FusesApi
    const appDir = dirname(RESOURCES)
    const candidates = [
      join(appDir, 'dsoftmax-studio'),
      join(appDir, 'D-Softmax Studio.exe'),
      join(appDir, 'MacOS', 'D-Softmax Studio')
    ]
    const binary = candidates.find((file) => existsSync(file))
    expect(binary, `app binary (one of ${candidates.join(', ')})`).toBeDefined()
    const wire = await getCurrentFuseWire(binary as string)
    // @electron/fuses' FuseV1Options order; '0' (48) off, '1' (49) on.
    const [runAsNode, cookieEncryption, nodeOptions, nodeCliInspect, , onlyLoadAppFromAsar] = [0, 1, 2, 3, 4, 5].map(
      (i) => wire[String(i)]
    )
    expect({ runAsNode, nodeOptions, nodeCliInspect }).toEqual({ runAsNode: 48, nodeOptions: 48, nodeCliInspect: 48 })
    expect({ cookieEncryption, onlyLoadAppFromAsar }).toEqual({ cookieEncryption: 49, onlyLoadAppFromAsar: 49 })
  })
})
