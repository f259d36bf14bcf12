// Where dataset indexes are cached: outside the user's dataset, keyed by the dataset's real path, so
// re-opening a 100k-image folder costs a stat per file instead of a read per file.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/atomicWrite'

/** $DSOFTMAX_CACHE_DIR, else $XDG_CACHE_HOME/dsoftmax-studio/datasets, else ~/.cache/…. */
export function defaultCacheDir(): string {
  if (process.env.DSOFTMAX_CACHE_DIR) return process.env.DSOFTMAX_CACHE_DIR
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'dsoftmax-studio', 'datasets')
}

export function cacheFile(cacheDir: string, datasetRealPath: string, kind: string): string {
  const key = createHash('sha1').update(datasetRealPath).digest('hex').slice(0, 16)
  return join(cacheDir, `${kind}-${key}.json`)
}

/** Reads a cache file written by writeCache; null when missing, unreadable or of another version. */
export function readCache<T>(path: string, version: number): T | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; data?: T }
    return parsed.version === version && parsed.data !== undefined ? parsed.data : null
  } catch {
    return null
  }
}

/** Best effort: a cache that cannot be written (read-only disk) only costs speed next time. */
export function writeCache(path: string, version: number, data: unknown): void {
  try {
    writeFileAtomic(path, JSON.stringify({ version, data })) // compact: 100k entries parse faster
  } catch {
    // ignored on purpose: the index is still correct, only not cached
  }
}
