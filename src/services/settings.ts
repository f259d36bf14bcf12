/**
 * The hosts' own small state: recent workspaces, the last one open, the window's bounds.
 * One JSON file (Electron: userData/settings.json), written atomically; a missing or broken
 * file reads as defaults (and a broken one is kept aside, not overwritten silently).
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import { writeJsonAtomic } from '../core/util/atomicWrite'

export const MAX_RECENT_WORKSPACES = 10

const boundsSchema = z.object({
  x: z.number().optional(),
  y: z.number().optional(),
  width: z.number().min(200),
  height: z.number().min(150),
  maximized: z.boolean().optional()
})
const settingsSchema = z.object({
  version: z.literal(1),
  workspace: z.string().optional(),
  recentWorkspaces: z.array(z.object({ path: z.string(), openedAt: z.string() })).default([]),
  window: boundsSchema.optional()
})
export type Settings = z.infer<typeof settingsSchema>
export type WindowBounds = z.infer<typeof boundsSchema>

export class SettingsStore {
  private value: Settings

  constructor(readonly file: string) {
    this.value = this.read()
  }

  get current(): Readonly<Settings> {
    return this.value
  }

  private read(): Settings {
    if (!existsSync(this.file)) return { version: 1, recentWorkspaces: [] }
    try {
      return settingsSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')))
    } catch (error) {
      // Keep the unreadable file for the user to look at; start from defaults.
      const aside = `${this.file}.broken-${Date.now()}`
      renameSync(this.file, aside)
      console.warn(`[settings] ${this.file} could not be read (${(error as Error).message}); moved to ${aside}`)
      return { version: 1, recentWorkspaces: [] }
    }
  }

  update(change: (settings: Settings) => Settings): Settings {
    const next = settingsSchema.parse(change(structuredClone(this.value)))
    mkdirSync(dirname(this.file), { recursive: true })
    writeJsonAtomic(this.file, next)
    this.value = next
    return next
  }

  /** Makes `path` the current workspace and the most recent one. */
  rememberWorkspace(path: string, now = new Date()): Settings {
    return this.update((s) => ({
      ...s,
      workspace: path,
      recentWorkspaces: [{ path, openedAt: now.toISOString() }, ...s.recentWorkspaces.filter((r) => r.path !== path)].slice(
        0,
        MAX_RECENT_WORKSPACES
      )
    }))
  }

  rememberWindow(bounds: WindowBounds): Settings {
    return this.update((s) => ({ ...s, window: bounds }))
  }
}
