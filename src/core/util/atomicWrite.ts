// Every artefact of a run is written to a temporary file beside its target and renamed into
// place, so a reader (or a crash) never sees a half-written file.
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Writes `path` and fsyncs it through the handle that wrote it, so its bytes are on disk before
 * anything (a rename) points at it. The handle must be writable: Windows refuses to flush a
 * handle opened read-only (EPERM).
 */
export function writeFileSynced(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w')
  try {
    writeFileSync(fd, data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Flushes a folder's entries (a rename into it, a new file) to disk, where the system allows:
 * POSIX needs it for a rename to survive a power cut; Windows cannot open a folder for it and
 * makes its renames durable on its own, so it is skipped there.
 */
export function fsyncDirectory(dir: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return
  let fd: number
  try {
    fd = openSync(dir, 'r')
  } catch {
    return
  }
  try {
    fsyncSync(fd)
  } catch (error) {
    // Some file systems (network mounts, some FUSE) refuse to flush a folder: the rename stands.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF') throw error
  } finally {
    closeSync(fd)
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true })
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    writeFileSynced(temp, data)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
  fsyncDirectory(dirname(path))
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n')
}
