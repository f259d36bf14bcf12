/**
 * Path rules of the hosts: expand `~`, and keep paths a channel implies a root for inside
 * that root (an export inside the run's folder, a file the host serves inside its folder).
 */
import { homedir } from 'node:os'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { HostError } from '../common/contract'

/** Absolute, normalized form of a user path (`~/x` → home/x). Relative paths are refused. */
export function expandUserPath(path: string, home: string = homedir()): string {
  const expanded = path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path
  if (!isAbsolute(expanded)) throw new HostError('bad-request', `"${path}" is not an absolute path`)
  return resolve(expanded)
}

/** True when `path` is `root` or lies below it (after resolving `..`). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..')
}

/** Resolves `path` and refuses it unless it lies inside `root` (names `what` in the error). */
export function insideRoot(root: string, path: string, what: string): string {
  const resolved = resolve(root, path)
  if (!isInside(root, resolved)) throw new HostError('forbidden', `${what} must stay inside ${root}; "${path}" does not`)
  return resolved
}
