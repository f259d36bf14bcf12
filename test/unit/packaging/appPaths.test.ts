import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { appPaths, detectLayout, resolveAppPaths, toUnpacked, trainerEntryPath } from '../../../src/core/appPaths'
import { defaultResourcesDir } from '../../../src/core/data/fontDataset'

const WASM = ['node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist', 'tfjs-backend-wasm.wasm']
const noEnv = {}

/** A fake file system holding exactly `files`. */
function fakeFs(...files: string[]): (file: string) => boolean {
  const set = new Set(files)
  return (file) => set.has(file)
}

describe('detectLayout', () => {
  it('dev: a module under src/ → the folder above src', () => {
    expect(detectLayout('/home/u/studio/src/core/appPaths.ts')).toEqual({ layout: 'dev', appRoot: '/home/u/studio' })
  })

  it('built: a chunk under out/main → the folder above out', () => {
    expect(detectLayout('/home/u/src/studio/out/main/chunks/trainerProcess-1a2b.js')).toEqual({
      layout: 'built',
      appRoot: '/home/u/src/studio'
    })
  })

  it('packaged: a module inside app.asar → the archive itself (Linux, macOS and Windows paths)', () => {
    expect(detectLayout('/opt/D-Softmax Studio/resources/app.asar/out/main/index.js')).toEqual({
      layout: 'packaged',
      appRoot: '/opt/D-Softmax Studio/resources/app.asar'
    })
    expect(detectLayout('/Applications/D-Softmax Studio.app/Contents/Resources/app.asar/out/main/chunks/x.js').appRoot).toBe(
      '/Applications/D-Softmax Studio.app/Contents/Resources/app.asar'
    )
    expect(detectLayout('C:\\Program Files\\D-Softmax Studio\\resources\\app.asar\\out\\main\\index.js')).toEqual({
      layout: 'packaged',
      appRoot: 'C:\\Program Files\\D-Softmax Studio\\resources\\app.asar'
    })
  })

  it('elsewhere: the nearest folder with package.json, or a clear error', () => {
    expect(detectLayout('/srv/app/lib/bundle.js', fakeFs('/srv/app/package.json'))).toEqual({
      layout: 'built',
      appRoot: '/srv/app'
    })
    expect(() => detectLayout('/srv/app/lib/bundle.js', fakeFs())).toThrow(
      /cannot tell where the app lives from \/srv\/app\/lib\/bundle\.js/
    )
  })
})

describe('toUnpacked', () => {
  it('maps app.asar/… to app.asar.unpacked/… and leaves other paths alone', () => {
    expect(toUnpacked('/r/app.asar/node_modules/sharp/x.node')).toBe('/r/app.asar.unpacked/node_modules/sharp/x.node')
    expect(toUnpacked('C:\\r\\app.asar\\node_modules\\a.wasm')).toBe('C:\\r\\app.asar.unpacked\\node_modules\\a.wasm')
    expect(toUnpacked('/repo/node_modules/a.wasm')).toBe('/repo/node_modules/a.wasm')
    expect(toUnpacked('/r/app.asar.unpacked/a.wasm')).toBe('/r/app.asar.unpacked/a.wasm')
  })
})

describe('resolveAppPaths for each layout', () => {
  it('dev and built: resources/ and node_modules of the repository', () => {
    for (const moduleFile of ['/repo/src/core/appPaths.ts', '/repo/out/main/chunks/trainerProcess-9.js']) {
      const paths = resolveAppPaths({ moduleFile, env: noEnv, exists: fakeFs(join('/repo', ...WASM)) })
      expect(paths.appRoot).toBe('/repo')
      expect(paths.resourcesDir).toBe('/repo/resources')
      expect(paths.wasmDir).toBe('/repo/node_modules/@tensorflow/tfjs-backend-wasm/dist')
    }
  })

  it('packaged: the dataset from resourcesPath, the wasm binaries from app.asar.unpacked', () => {
    const unpackedWasm = join('/opt/s/resources/app.asar.unpacked', ...WASM)
    const paths = resolveAppPaths({
      moduleFile: '/opt/s/resources/app.asar/out/main/chunks/trainerProcess-9.js',
      env: noEnv,
      exists: fakeFs(unpackedWasm)
    })
    expect(paths).toEqual({
      layout: 'packaged',
      appRoot: '/opt/s/resources/app.asar',
      resourcesDir: '/opt/s/resources',
      wasmDir: '/opt/s/resources/app.asar.unpacked/node_modules/@tensorflow/tfjs-backend-wasm/dist'
    })
    // Electron's own resourcesPath wins over the folder holding app.asar.
    expect(
      resolveAppPaths({
        moduleFile: '/opt/s/resources/app.asar/out/main/index.js',
        resourcesPath: '/elsewhere',
        env: noEnv,
        exists: fakeFs()
      }).resourcesDir
    ).toBe('/elsewhere')
  })

  it('packaged without the unpacked wasm copy: no wasm dir (the backend then says so) rather than a path inside the archive', () => {
    const paths = resolveAppPaths({ moduleFile: '/opt/s/resources/app.asar/out/main/index.js', env: noEnv, exists: fakeFs() })
    expect(paths.wasmDir).toBeUndefined()
  })

  it('DSOFTMAX_RESOURCES and DSOFTMAX_WASM_DIR override every layout; blank values do not', () => {
    const env = { DSOFTMAX_RESOURCES: '/data/res', DSOFTMAX_WASM_DIR: '/data/wasm' }
    const paths = resolveAppPaths({ moduleFile: '/opt/s/resources/app.asar/out/main/index.js', env, exists: fakeFs() })
    expect([paths.resourcesDir, paths.wasmDir]).toEqual(['/data/res', '/data/wasm'])
    const blank = resolveAppPaths({ moduleFile: '/repo/src/x.ts', env: { DSOFTMAX_RESOURCES: '  ' }, exists: fakeFs() })
    expect(blank.resourcesDir).toBe('/repo/resources')
  })
})

describe('on real files', () => {
  const root = mkdtempSync(join(tmpdir(), 'dsoftmax-paths-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('a packaged tree laid out as electron-builder writes it', () => {
    // app.asar is a file in a real package; as a folder here it stands for the archive's inside,
    // which is what Electron's fs shows the app.
    const resources = join(root, 'D-Softmax Studio', 'resources')
    const entry = join(resources, 'app.asar', 'out', 'main', 'chunks', 'trainerProcess-abc.js')
    const wasm = join(resources, 'app.asar.unpacked', ...WASM)
    const fonts = join(resources, 'fonts', 'index.json')
    for (const file of [entry, wasm, fonts]) {
      mkdirSync(join(file, '..'), { recursive: true })
      writeFileSync(file, 'x')
    }
    const paths = resolveAppPaths({ moduleFile: entry, env: noEnv })
    expect(paths.layout).toBe('packaged')
    expect(paths.resourcesDir).toBe(resources)
    expect(paths.wasmDir).toBe(join(wasm, '..'))
    expect(trainerEntryPath(entry)).toBe(entry)
  })

  it('this checkout (dev layout): the bundled dataset and the installed wasm binaries', () => {
    const paths = resolveAppPaths({ env: noEnv })
    expect(paths.layout).toBe('dev')
    expect(paths.resourcesDir).toBe(join(paths.appRoot, 'resources'))
    expect(paths.wasmDir && join(paths.wasmDir, 'tfjs-backend-wasm.wasm')).toMatch(
      /tfjs-backend-wasm[\\/]dist[\\/]tfjs-backend-wasm\.wasm$/
    )
  })

  it('the dataset loader and the backend resolve through it', () => {
    const saved = process.env.DSOFTMAX_RESOURCES
    try {
      delete process.env.DSOFTMAX_RESOURCES
      expect(defaultResourcesDir()).toBe(appPaths().resourcesDir)
      process.env.DSOFTMAX_RESOURCES = root
      expect(defaultResourcesDir()).toBe(root)
    } finally {
      if (saved === undefined) delete process.env.DSOFTMAX_RESOURCES
      else process.env.DSOFTMAX_RESOURCES = saved
    }
  })
})

describe('trainerEntryPath', () => {
  it('keeps an existing entry, falls back to an unpacked copy, and names a missing one', () => {
    const entry = '/r/app.asar/out/main/chunks/trainerProcess-1.js'
    expect(trainerEntryPath(entry, fakeFs(entry))).toBe(entry)
    expect(trainerEntryPath(entry, fakeFs('/r/app.asar.unpacked/out/main/chunks/trainerProcess-1.js'))).toBe(
      '/r/app.asar.unpacked/out/main/chunks/trainerProcess-1.js'
    )
    expect(() => trainerEntryPath(entry, fakeFs())).toThrow(
      /trainer process entry is missing: \/r\/app\.asar\/out\/main\/chunks\/trainerProcess-1\.js/
    )
  })
})
