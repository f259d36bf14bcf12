import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { SECURE_WEB_PREFERENCES, isTrustedRendererUrl, secureWebPreferences } from '../../../src/main/security'
import { buildCsp } from '../../../src/services/csp'

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...sources]) => [name, sources])
  )
}

describe('webPreferences', () => {
  it('isolates and sandboxes the renderer', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs')
    expect(prefs.contextIsolation).toBe(true)
    expect(prefs.sandbox).toBe(true)
    expect(prefs.nodeIntegration).toBe(false)
    expect(prefs.nodeIntegrationInWorker).toBe(false)
    expect(prefs.nodeIntegrationInSubFrames).toBe(false)
    expect(prefs.webSecurity).toBe(true)
    expect(prefs.allowRunningInsecureContent).toBe(false)
    expect(prefs.webviewTag).toBe(false)
    expect(prefs.preload).toBe('/app/out/preload/index.cjs')
  })

  it('cannot be weakened by mutating the shared defaults', () => {
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true)
    expect(() => {
      ;(SECURE_WEB_PREFERENCES as { sandbox: boolean }).sandbox = false
    }).toThrow(TypeError)
  })
})

describe('Content-Security-Policy', () => {
  const modes = ['production', 'development'] as const
  const deliveries = ['header', 'meta'] as const

  for (const mode of modes) {
    for (const delivery of deliveries) {
      it(`${mode}/${delivery}: default-src and script-src are 'self' only, never unsafe-eval`, () => {
        const csp = buildCsp({ mode, delivery })
        const map = directives(csp)
        expect(map.get('default-src')).toEqual(["'self'"])
        expect(map.get('script-src')).toEqual(["'self'"])
        expect(map.get('object-src')).toEqual(["'none'"])
        expect(map.get('base-uri')).toEqual(["'none'"])
        expect(csp).not.toContain('unsafe-eval')
        expect(csp).not.toContain('*')
        for (const [name, sources] of map) {
          if (name !== 'style-src') expect(sources, name).not.toContain("'unsafe-inline'")
        }
      })
    }
  }

  it('production allows no inline styles; only development does (Vite injects <style> for HMR)', () => {
    expect(directives(buildCsp()).get('style-src')).toEqual(["'self'"])
    expect(directives(buildCsp({ mode: 'development' })).get('style-src')).toEqual(["'self'", "'unsafe-inline'"])
  })

  it('frame-ancestors only in the header (a <meta> CSP ignores it)', () => {
    expect(directives(buildCsp({ delivery: 'header' })).get('frame-ancestors')).toEqual(["'none'"])
    expect(directives(buildCsp({ delivery: 'meta' })).has('frame-ancestors')).toBe(false)
  })

  it('the meta tag in src/renderer/index.html is the production policy', () => {
    const html = readFileSync(fileURLToPath(new URL('../../../src/renderer/index.html', import.meta.url)), 'utf8')
    const match = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)
    expect(match, 'index.html must carry a CSP meta tag').not.toBeNull()
    expect(match?.[1]).toBe(buildCsp({ mode: 'production', delivery: 'meta' }))
  })
})

describe('isTrustedRendererUrl', () => {
  const indexHtmlPath = resolve('/opt/studio/out/renderer/index.html')
  const fileUrl = pathToFileURL(indexHtmlPath).href

  it('accepts our built index.html, with or without a router hash', () => {
    expect(isTrustedRendererUrl(fileUrl, { indexHtmlPath })).toBe(true)
    expect(isTrustedRendererUrl(`${fileUrl}#/runs/1`, { indexHtmlPath })).toBe(true)
  })

  it('rejects other files, other schemes and garbage', () => {
    const target = { indexHtmlPath }
    expect(isTrustedRendererUrl(pathToFileURL(resolve('/opt/studio/out/renderer/evil.html')).href, target)).toBe(false)
    expect(isTrustedRendererUrl(pathToFileURL(resolve('/tmp/index.html')).href, target)).toBe(false)
    expect(isTrustedRendererUrl('https://example.com/index.html', target)).toBe(false)
    expect(isTrustedRendererUrl('http://localhost:5173/', target)).toBe(false)
    expect(isTrustedRendererUrl('about:blank', target)).toBe(false)
    expect(isTrustedRendererUrl('', target)).toBe(false)
    expect(isTrustedRendererUrl('not a url', target)).toBe(false)
    expect(isTrustedRendererUrl('file://attacker-host/opt/studio/out/renderer/index.html', target)).toBe(false)
  })

  it('in development accepts the dev server origin only', () => {
    const target = { indexHtmlPath, devServerUrl: 'http://localhost:5173' }
    expect(isTrustedRendererUrl('http://localhost:5173/', target)).toBe(true)
    expect(isTrustedRendererUrl('http://localhost:5173/#/home', target)).toBe(true)
    expect(isTrustedRendererUrl('http://localhost:5174/', target)).toBe(false)
    expect(isTrustedRendererUrl('http://127.0.0.1:5173/', target)).toBe(false)
    expect(isTrustedRendererUrl('https://localhost:5173/', target)).toBe(false)
    expect(isTrustedRendererUrl(fileUrl, target)).toBe(false)
  })

  it('compares paths case-insensitively on Windows only', () => {
    const target = { indexHtmlPath }
    const upper = fileUrl.replace('/renderer/', '/RENDERER/')
    expect(isTrustedRendererUrl(upper, target, 'linux')).toBe(false)
    expect(isTrustedRendererUrl(upper, target, 'win32')).toBe(true)
  })
})
