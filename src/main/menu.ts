/**
 * The native menu as plain data: File (new run, quick start, open workspace, import dataset,
 * export, recent workspaces, quit), View, Help (about). Commands the renderer acts on are sent
 * as `menu:command`; the rest are handled here. Pure, so tests check it without Electron.
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { MenuCommand } from '../common/contract'

export interface MenuActions {
  /** Tells the renderer to act (navigate, open its dialog). */
  command(command: MenuCommand): void
  openWorkspace(path: string): void
  about(): void
}

export function buildMenuTemplate(options: {
  appName: string
  isMac: boolean
  recentWorkspaces: readonly string[]
  actions: MenuActions
}): MenuItemConstructorOptions[] {
  const { actions } = options
  const send = (command: MenuCommand) => () => actions.command(command)
  const recent: MenuItemConstructorOptions[] = options.recentWorkspaces.length
    ? options.recentWorkspaces.map((path) => ({ label: path, click: () => actions.openWorkspace(path) }))
    : [{ label: 'No recent workspaces', enabled: false }]
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'New Run…', accelerator: 'CmdOrCtrl+N', click: send('new-run') },
      { label: 'Quick Start', accelerator: 'CmdOrCtrl+Shift+N', click: send('quick-start') },
      { type: 'separator' },
      { label: 'Open Workspace…', accelerator: 'CmdOrCtrl+O', click: send('open-workspace') },
      { label: 'Open Recent Workspace', submenu: recent },
      { label: 'Import Dataset…', accelerator: 'CmdOrCtrl+I', click: send('import-dataset') },
      { type: 'separator' },
      { label: 'Evaluate…', accelerator: 'CmdOrCtrl+E', click: send('evaluate') },
      { label: 'Export…', accelerator: 'CmdOrCtrl+Shift+E', click: send('export') },
      { type: 'separator' },
      options.isMac ? { role: 'close' } : { role: 'quit' }
    ]
  }
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { label: 'Runs', accelerator: 'CmdOrCtrl+R', click: send('runs') },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' }
    ]
  }
  const about: MenuItemConstructorOptions = { label: `About ${options.appName}`, click: () => actions.about() }
  const help: MenuItemConstructorOptions = { role: 'help', submenu: [about] }
  const edit: MenuItemConstructorOptions = { role: 'editMenu' }
  const template: MenuItemConstructorOptions[] = [file, edit, view, help]
  if (options.isMac)
    template.unshift({ label: options.appName, submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'quit' }] })
  return template
}

/** The About box's text: versions and the compute backend, so a bug report can quote it. */
export function aboutText(
  info: { version: string; electron?: string; chrome?: string; node: string; platform: string; tfjs?: string },
  backend: { status: string; choice: string | null; reason: string }
): string {
  return [
    `Version ${info.version}`,
    `Electron ${info.electron ?? '—'}, Chromium ${info.chrome ?? '—'}, Node ${info.node}`,
    `TensorFlow.js ${info.tfjs ?? '—'} on ${info.platform}`,
    backend.status === 'probed' ? `Backend: ${backend.choice} (${backend.reason})` : `Backend: not probed yet (${backend.reason})`
  ].join('\n')
}
