// Indexes an identity folder (root/<identity>/<image>): which files are images, their size and
// content hash, and what is wrong with the others. Reads each image's bytes once (header check and
// hash, no decode) and caches the result by (size, mtime) outside the dataset.
import type { Dirent } from 'node:fs'
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { checkImage, IMAGE_EXTENSIONS, oversize, type ImageKind } from './imageInfo'
import { cacheFile, readCache, writeCache } from './indexCache'
import { contentHash } from '../util/hash'

export interface FolderImage {
  /** Path relative to the root, '/'-separated. */
  path: string
  identity: string
  kind: ImageKind | null
  width: number
  height: number
  bytes: number
  /** sha1 of the file's bytes (first 16 hex digits). */
  hash: string
  /** Why the image cannot be used; absent for good images. */
  problem?: string
}

export interface FolderScan {
  root: string
  identities: string[]
  images: FolderImage[]
  /** Paths (relative) ignored: non-image files, nested folders, files beside the identity folders. */
  ignored: string[]
  /** Entries that could not be followed or listed (symlink loops, permissions), with why. */
  problems: { path: string; problem: string }[]
  /** How many images came from the cache rather than being read. */
  cached: number
}

type CachedEntry = [
  size: number,
  mtimeMs: number,
  kind: ImageKind | null,
  width: number,
  height: number,
  hash: string,
  problem: string | null
]
const CACHE_VERSION = 1

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function linkProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ELOOP') return 'symbolic link loop'
  if (code === 'ENOENT') return 'broken symbolic link'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  return error instanceof Error ? error.message : String(error)
}

/** The entry's type, following symbolic links; a string says why it cannot be followed. */
function entryType(dir: string, entry: Dirent): 'dir' | 'file' | 'other' | string {
  if (entry.isDirectory()) return 'dir'
  if (entry.isFile()) return 'file'
  if (!entry.isSymbolicLink()) return 'other'
  try {
    const s = statSync(join(dir, entry.name))
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other'
  } catch (error) {
    return linkProblem(error)
  }
}

/** Yields to the event loop now and then, so a long synchronous scan does not freeze its host. */
const breather = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Synchronous on purpose: with tiny files, promise-based stat/read cost several times more CPU
 * than the system calls themselves (100k files: seconds instead of a fraction of one).
 */
function examine(
  root: string,
  rel: string,
  identity: string,
  cache: Record<string, CachedEntry>,
  fresh: Record<string, CachedEntry>
): FolderImage & { fromCache: boolean } {
  const full = join(root, rel)
  const s = statSync(full)
  const hit = cache[rel]
  let entry: CachedEntry
  let fromCache = false
  if (hit && hit[0] === s.size && hit[1] === s.mtimeMs) {
    entry = hit
    fromCache = true
  } else {
    const bytes = readFileSync(full)
    const check = checkImage(bytes)
    const hash = contentHash(bytes)
    entry = check.ok
      ? [
          s.size,
          s.mtimeMs,
          check.info.kind,
          check.info.width,
          check.info.height,
          hash,
          oversize(check.info.width, check.info.height)
        ]
      : [s.size, s.mtimeMs, null, 0, 0, hash, check.problem]
  }
  fresh[rel] = entry
  const [bytes, , kind, width, height, hash, problem] = entry
  return { path: rel, identity, kind, width, height, bytes, hash, ...(problem ? { problem } : {}), fromCache }
}

/**
 * Scans `root`. Throws only when the root itself cannot be listed; everything below it that is
 * wrong becomes a problem or an ignored path. Never writes inside `root`.
 */
export async function scanIdentityFolder(root: string, cacheDir: string | null): Promise<FolderScan> {
  const realRoot = realpathSync(root)
  const cachePath = cacheDir ? cacheFile(cacheDir, realRoot, 'folder') : null
  const cache = (cachePath && readCache<Record<string, CachedEntry>>(cachePath, CACHE_VERSION)) || {}
  const ignored: string[] = []
  const problems: { path: string; problem: string }[] = []
  const candidates: { rel: string; identity: string }[] = []
  const identities: string[] = []

  const top = readdirSync(root, { withFileTypes: true }).sort((a, b) => byCodePoint(a.name, b.name))
  for (const entry of top) {
    const type = entryType(root, entry)
    if (type === 'file' || type === 'other') {
      ignored.push(entry.name)
      continue
    }
    if (type !== 'dir') {
      problems.push({ path: join(root, entry.name), problem: type })
      continue
    }
    let inner: Dirent[]
    try {
      inner = readdirSync(join(root, entry.name), { withFileTypes: true }).sort((a, b) => byCodePoint(a.name, b.name))
    } catch (error) {
      problems.push({ path: join(root, entry.name), problem: linkProblem(error) })
      continue
    }
    identities.push(entry.name)
    for (const file of inner) {
      const rel = `${entry.name}/${file.name}`
      const innerType = entryType(join(root, entry.name), file)
      if (innerType !== 'file' && innerType !== 'dir' && innerType !== 'other') {
        problems.push({ path: join(root, rel), problem: innerType })
      } else if (innerType === 'file' && IMAGE_EXTENSIONS.has(extname(file.name).toLowerCase())) {
        candidates.push({ rel, identity: entry.name })
      } else {
        ignored.push(rel)
      }
    }
  }

  const fresh: Record<string, CachedEntry> = {}
  const examined: (FolderImage & { fromCache: boolean })[] = []
  for (const [n, c] of candidates.entries()) {
    if (n % 2000 === 1999) await breather()
    try {
      examined.push(examine(root, c.rel, c.identity, cache, fresh))
    } catch (error) {
      examined.push({
        path: c.rel,
        identity: c.identity,
        kind: null,
        width: 0,
        height: 0,
        bytes: 0,
        hash: '',
        problem: linkProblem(error),
        fromCache: false
      })
    }
  }
  const cached = examined.filter((e) => e.fromCache).length
  if (cachePath && cached !== examined.length) writeCache(cachePath, CACHE_VERSION, fresh)
  const images = examined.map(({ fromCache: _fromCache, ...image }) => image)
  return { root, identities, images, ignored, problems, cached }
}
