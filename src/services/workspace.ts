/** `workspace:*`: which folder holds the runs, and the recently opened ones. */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HostError, type WorkspaceInfo } from '../common/contract'
import { expandUserPath } from './paths'
import type { SettingsStore } from './settings'

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

export class WorkspaceService {
  private path: string

  constructor(
    private readonly settings: SettingsStore,
    fallback: string
  ) {
    const remembered = settings.current.workspace
    this.path = remembered && existsSync(remembered) ? remembered : fallback
    mkdirSync(join(this.path, 'runs'), { recursive: true })
  }

  current(): string {
    return this.path
  }

  info(): WorkspaceInfo {
    const runsDir = join(this.path, 'runs')
    const runs = existsSync(runsDir)
      ? readdirSync(runsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).length
      : 0
    const recent = this.settings.current.recentWorkspaces.filter((r) => r.path !== this.path)
    return {
      path: this.path,
      recent: [{ path: this.path, openedAt: new Date().toISOString() }, ...recent].slice(0, 10),
      runs,
      writable: isWritable(this.path)
    }
  }

  /** Opens (optionally creates) a workspace folder and remembers it. */
  open(requested: string, create = false): WorkspaceInfo {
    const path = expandUserPath(requested)
    if (!existsSync(path)) {
      if (!create) throw new HostError('not-found', `${path} does not exist (choose "create" to make a new workspace there)`)
      mkdirSync(path, { recursive: true })
    }
    if (!statSync(path).isDirectory()) throw new HostError('bad-request', `${path} is a file, not a folder`)
    mkdirSync(join(path, 'runs'), { recursive: true })
    this.path = path
    this.settings.rememberWorkspace(path)
    return this.info()
  }
}
