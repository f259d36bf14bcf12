/** Serves the built renderer from one folder and nothing outside it. */
import { createReadStream, existsSync, fstatSync, realpathSync, statSync } from 'node:fs'
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

/**
 * Streams `file`. A read error (the file vanished or became unreadable since it was resolved)
 * ends this response, 500 if nothing was sent yet; it never reaches the process as an
 * unhandled 'error' event.
 */
export function sendFile(res: ServerResponse, file: string, headers: Record<string, string>): void {
  const stream = createReadStream(file)
  stream.once('error', (error) => {
    console.error(`[web host] cannot read ${file}: ${error.message}`)
    if (res.headersSent) res.destroy()
    else {
      res.writeHead(500, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('cannot read this file\n')
    }
  })
  stream.once('open', (fd) => {
    let size: number
    try {
      size = fstatSync(fd).size
    } catch {
      size = -1
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      ...(size >= 0 ? { 'Content-Length': String(size) } : {})
    })
    stream.pipe(res)
  })
}
