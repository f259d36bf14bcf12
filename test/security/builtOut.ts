/**
 * The built app (electron-vite's out/) for the tests that load it. `npm test` builds before
 * vitest runs; when out/ is missing (a lone `npx vitest run test/security`) it is built here.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
export const OUT = join(ROOT, 'out')
export const MAIN_ENTRY = join(OUT, 'main/index.js')
export const PRELOAD_ENTRY = join(OUT, 'preload/index.cjs')
export const RENDERER_INDEX = join(OUT, 'renderer/index.html')

export function ensureBuilt(): void {
  if ([MAIN_ENTRY, PRELOAD_ENTRY, RENDERER_INDEX].every((file) => existsSync(file))) return
  execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: 300_000
  })
}

/** The trainer process entry the built main starts (its `?modulePath` chunk, named in out/main/index.js). */
export function trainerChunk(): string {
  const main = readFileSync(MAIN_ENTRY, 'utf8')
  const found = [...new Set(main.match(/chunks\/trainerProcess-[\w-]+\.js/g) ?? [])]
  if (found.length !== 1) throw new Error(`expected out/main/index.js to name one trainerProcess chunk, found ${found.length}`)
  const file = join(OUT, 'main', found[0])
  if (!existsSync(file)) throw new Error(`${file} (named by out/main/index.js) is missing`)
  return file
}
