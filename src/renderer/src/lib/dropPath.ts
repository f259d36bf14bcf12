/**
 * The filesystem path behind a drag and drop, when the platform reveals it: Electron's
 * File objects (older versions expose `path`), or a file:// URL that file managers put in
 * text/uri-list. Browsers hide local paths on purpose; then null, and the user types it.
 */
export interface DropLike {
  files?: ArrayLike<unknown>
  getData(type: string): string
}

export function fileUrlToPath(url: string): string | null {
  const line = url
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'))
  if (!line || !line.startsWith('file://')) return null
  try {
    const parsed = new URL(line)
    const path = decodeURIComponent(parsed.pathname)
    // file:///C:/data → C:/data on Windows.
    return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path
  } catch {
    return null
  }
}

export function pathFromDrop(data: DropLike): string | null {
  const first = data.files && data.files.length > 0 ? (data.files[0] as { path?: unknown }) : null
  if (first && typeof first.path === 'string' && first.path) return first.path
  return fileUrlToPath(data.getData('text/uri-list')) ?? fileUrlToPath(data.getData('text/plain'))
}
