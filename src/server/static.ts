/** Serves the built renderer from one folder and nothing outside it. */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm'
}

/**
 * Maps a URL path to a file under `root`, or null: `..` segments, encoded separators, NUL,
 * dot-files and symlinks leading outside the root are all refused.
 */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  const segments = decoded.split('/').filter((s) => s.length > 0)
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return null
  const base = realpathSync(resolve(root))
  const candidate = join(base, ...segments)
  if (!existsSync(candidate)) return null
  const real = realpathSync(candidate)
  if (real !== base && !real.startsWith(base + sep)) return null
  const file = statSync(real).isDirectory() ? join(real, 'index.html') : real
  return existsSync(file) && statSync(file).isFile() ? file : null
}

export function sendFile(res: ServerResponse, file: string, headers: Record<string, string>): void {
  res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(statSync(file).size) })
  createReadStream(file).pipe(res)
}
