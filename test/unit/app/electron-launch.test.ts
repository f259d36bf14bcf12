/**
 * Launches the real Electron app where an Electron binary exists.
 *
 * On machines where Electron's binary cannot be downloaded (it is an optionalDependency and
 * its install fails quietly) this file SKIPS and says so; the app is then tested through
 * its pure modules here and, later, through the web host in Chromium.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const require = createRequire(import.meta.url)

function electronBinary(): string | null {
  try {
    require.resolve('electron')
    // The package's main export is the binary path; it throws when the download failed.
    const binary: unknown = require('electron')
    return typeof binary === 'string' && existsSync(binary) ? binary : null
  } catch {
    return null
  }
}

function canResolve(name: string): boolean {
  try {
    require.resolve(name)
    return true
  } catch {
    return false
  }
}

const binary = electronBinary()
const hasElectron = binary !== null
const hasPlaywright = canResolve('playwright-core')
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)

if (!hasElectron) {
  console.warn(
    '[electron-launch] SKIPPED: no Electron binary on this machine (it cannot be downloaded here). ' +
      'The Electron window was NOT launched or tested.'
  )
}

const outFile = (relative: string): string => fileURLToPath(new URL(`../../../out/${relative}`, import.meta.url))

describe('Electron app', () => {
  beforeAll(() => {
    if (!hasElectron || existsSync(outFile('main/index.js'))) return
    // `npm test` builds after the unit tests; build now so this test does not depend on order.
    execFileSync(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: ROOT,
      stdio: 'inherit'
    })
  })

  it.skipIf(!hasElectron)(
    'launches the window (skipped: no Electron binary on this machine — it cannot be downloaded here)',
    () => {
      expect(existsSync(outFile('main/index.js')), 'out/main/index.js').toBe(true)
      expect(existsSync(outFile('preload/index.cjs')), 'out/preload/index.cjs').toBe(true)
      expect(existsSync(outFile('renderer/index.html')), 'out/renderer/index.html').toBe(true)
    }
  )

  it.skipIf(!hasElectron || !hasPlaywright || !hasDisplay)(
    'opens one sandboxed window whose only door is window.api, answering the contract (skipped unless Electron, playwright-core and a display exist)',
    async () => {
      interface ElectronPage {
        title(): Promise<string>
        waitForLoadState(state: 'domcontentloaded'): Promise<void>
        evaluate<T>(fn: () => T): Promise<T>
      }
      interface ElectronApp {
        firstWindow(): Promise<ElectronPage>
        windows(): ElectronPage[]
        evaluate<T>(
          fn: (electron: {
            BrowserWindow: { getAllWindows(): { webContents: { getLastWebPreferences?(): Record<string, unknown> } }[] }
          }) => T
        ): Promise<T>
        close(): Promise<void>
      }
      const playwright = (await import(/* @vite-ignore */ 'playwright-core' as string)) as {
        _electron: { launch(options: { args: string[]; cwd: string; env: Record<string, string> }): Promise<ElectronApp> }
      }
      const workspace = fileURLToPath(new URL('../../../out/electron-launch-workspace', import.meta.url))
      const app = await playwright._electron.launch({
        args: [ROOT],
        cwd: ROOT,
        env: { ...(process.env as Record<string, string>), DSOFTMAX_WORKSPACE: workspace }
      })
      try {
        const page = await app.firstWindow()
        await page.waitForLoadState('domcontentloaded')
        expect(await page.title()).toBe('D-Softmax Studio')
        expect(app.windows()).toHaveLength(1)
        // Renderer has no Node: only the contract API crosses the bridge.
        expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
        expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined')
        expect(
          await page.evaluate(() =>
            Object.keys((globalThis as { api?: object }).api ?? {})
              .sort()
              .join(',')
          )
        ).toBe('invoke,on')
        // A round trip through preload → IPC → services; the bridge answers with the envelope.
        const info = await page.evaluate(async () => {
          const api = (
            globalThis as unknown as {
              api: { invoke: Record<string, () => Promise<{ ok: boolean; value?: { host?: string; name: string } }>> }
            }
          ).api
          return api.invoke['app:info']()
        })
        expect(info).toMatchObject({ ok: true, value: { name: 'D-Softmax Studio', host: 'electron' } })
        // window.open is denied.
        expect(
          await page.evaluate(
            () => (globalThis as unknown as { open(url: string): unknown }).open('https://example.com') === null
          )
        ).toBe(true)
        expect(app.windows()).toHaveLength(1)
      } finally {
        await app.close()
      }
    }
  )
})
