/**
 * Which paths the renderer may make the host read or create. A page that was subverted must
 * not list folders, read images as thumbnails or create folders wherever it likes, so on hosts
 * with native dialogs a path must be one the user granted: chosen in an open/save dialog this
 * session, one the app already holds for the user (the current and recent workspaces, added
 * datasets), or confirmed by the user in a native prompt the page cannot answer. The web host
 * has no native dialogs; there the token is the grant (its holder controls the whole app).
 */
import { HostError } from '../common/contract'
import { expandUserPath, isInside } from './paths'

/** Asks the user, outside the page, whether the app may use `path` for `purpose`. */
export type AccessPrompt = (path: string, purpose: string) => Promise<boolean>

export class PathGrants {
  private readonly granted = new Set<string>()

  constructor(
    /** null: no native prompt (the web host), every absolute path is allowed. */
    private readonly prompt: AccessPrompt | null,
    /** Roots the user chose earlier (workspaces, datasets), read when a path is checked. */
    private readonly known: () => Promise<string[]>
  ) {}

  /** Records a path the user chose in a dialog: it and everything below it. */
  grant(path: string): void {
    this.granted.add(expandUserPath(path))
  }

  async isGranted(path: string): Promise<boolean> {
    const resolved = expandUserPath(path)
    for (const root of [...this.granted, ...(await this.known())]) if (root && isInside(root, resolved)) return true
    return false
  }

  /** The resolved path when it may be used; asks the user once when it is not granted yet. */
  async require(path: string, purpose: string): Promise<string> {
    const resolved = expandUserPath(path)
    if (this.prompt === null || (await this.isGranted(resolved))) return resolved
    if (await this.prompt(resolved, purpose)) {
      this.granted.add(resolved)
      return resolved
    }
    throw new HostError('forbidden', `${resolved} was not granted: choose it with Browse…, or allow it when asked`)
  }
}
