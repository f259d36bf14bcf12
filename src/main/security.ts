/**
 * Security settings of the desktop shell, as plain data and pure functions so that tests
 * can check them without Electron. The Content-Security-Policy, which the web host sends
 * too, is in src/services/csp.ts.
 *
 * Electron's checklist: https://www.electronjs.org/docs/latest/tutorial/security
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { WebPreferences } from 'electron'

/** webPreferences every window gets; `preload` is the only thing added per window. */
export const SECURE_WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true
} as const satisfies WebPreferences)

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return { ...SECURE_WEB_PREFERENCES, preload: preloadPath }
}

/** Where the renderer is loaded from: the Vite dev server in development, a file otherwise. */
export interface RendererTarget {
  /** `ELECTRON_RENDERER_URL` when running `electron-vite dev` unpackaged; undefined otherwise. */
  devServerUrl?: string
  /** Absolute path of the built out/renderer/index.html. */
  indexHtmlPath: string
}

function samePath(a: string, b: string, platform: string): boolean {
  const [x, y] = [resolve(a), resolve(b)]
  return platform === 'win32' ? x.toLowerCase() === y.toLowerCase() : x === y
}

/**
 * True when `url` (an IPC sender frame's URL) is our renderer: same origin as the dev
 * server in development, exactly our index.html (any hash/query) in production.
 */
export function isTrustedRendererUrl(url: string, target: RendererTarget, platform: string = process.platform): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (target.devServerUrl) {
    try {
      const dev = new URL(target.devServerUrl)
      return (dev.protocol === 'http:' || dev.protocol === 'https:') && parsed.origin === dev.origin
    } catch {
      return false
    }
  }
  if (parsed.protocol !== 'file:' || (parsed.host !== '' && parsed.host !== 'localhost')) return false
  try {
    return samePath(fileURLToPath(parsed), target.indexHtmlPath, platform)
  } catch {
    return false
  }
}
