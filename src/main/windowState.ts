/**
 * Window bounds remembered between launches, clamped so a window never reopens off-screen
 * (a monitor unplugged since). Pure functions; index.ts wires them to Electron.
 */
import type { WindowBounds } from '../services/settings'

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export const DEFAULT_BOUNDS = { width: 1280, height: 840 } as const
const MIN = { width: 800, height: 560 } as const

/** Bounds to open with: the remembered ones when they are still visible on a display, else centred defaults. */
export function restoreBounds(
  saved: WindowBounds | undefined,
  displays: readonly Rect[]
): { x?: number; y?: number; width: number; height: number; maximized: boolean } {
  if (!saved) return { ...DEFAULT_BOUNDS, maximized: false }
  const width = Math.max(MIN.width, Math.round(saved.width))
  const height = Math.max(MIN.height, Math.round(saved.height))
  const maximized = saved.maximized === true
  if (saved.x === undefined || saved.y === undefined) return { width, height, maximized }
  const x = saved.x
  const y = saved.y
  // Visible enough: the title bar's top-left 100×40 px lies on some display.
  const visible = displays.some((d) => x + 100 > d.x && x < d.x + d.width && y >= d.y && y + 40 <= d.y + d.height)
  if (!visible) return { width, height, maximized }
  return { x, y, width, height, maximized }
}
