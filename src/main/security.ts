/**
 * Security settings of the desktop shell, as plain data and pure functions so that tests
 * (and the renderer build config) can check them without Electron.
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

export type CspMode = 'production' | 'development'
/** `meta`: for the <meta http-equiv> tag, which ignores (and warns about) `frame-ancestors`. */
export type CspDelivery = 'header' | 'meta'

/**
 * The Content-Security-Policy. Production is strict: everything from our own origin,
 * no inline scripts, no eval, no inline styles (Vite emits SFC styles as a .css file and
 * Vue's style bindings go through CSSOM, which CSP does not block). Development adds only
 * `style-src 'unsafe-inline'`, because Vite's dev server injects CSS as <style> elements
 * for hot reload; `'unsafe-eval'` is never allowed.
 */
export function buildCsp(options: { mode?: CspMode; delivery?: CspDelivery } = {}): string {
  const mode = options.mode ?? 'production'
  const delivery = options.delivery ?? 'header'
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', mode === 'development' ? ["'self'", "'unsafe-inline'"] : ["'self'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]]
  ]
  if (delivery === 'header') directives.push(['frame-ancestors', ["'none'"]])
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ')
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
