/**
 * Request targets split by hand. `new URL(target, base)` throws on targets such as `//a:xx`
 * (read as a host with a bad port), and a throw there, before any check, used to end the
 * process. Only origin-form targets (`/path?query`, RFC 9112 §3.2.1) are served; anything else
 * is refused by the caller.
 */
export interface RequestTarget {
  /** The path as sent: still percent-encoded, dot segments not removed. */
  path: string
  query: URLSearchParams
}

export function splitTarget(raw: string): RequestTarget | null {
  if (!raw.startsWith('/')) return null
  const hash = raw.indexOf('#')
  const target = hash < 0 ? raw : raw.slice(0, hash)
  const mark = target.indexOf('?')
  const path = mark < 0 ? target : target.slice(0, mark)
  return { path, query: new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1)) }
}

/**
 * Where the token-for-cookie redirect may send the browser: the requested path when it is a
 * plain one (segments of word characters, dots and dashes, none starting with a dot, none
 * empty), else `/`. `//evil.example/` or `/\evil.example` would be read as another host.
 */
export function sameSiteLocation(path: string): string {
  return /^(\/[\w-][\w.-]*)*\/?$/.test(path) ? path : '/'
}
