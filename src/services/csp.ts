/**
 * The Content-Security-Policy both hosts give the renderer: Electron main as a response header
 * (and the build as a <meta> tag), the web host on every page it serves.
 */
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
