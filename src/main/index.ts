/**
 * Electron main process: one secure window, native menus, the contract's services bound to
 * typed IPC, window state and recent workspaces remembered, a notification when a run ends.
 * Trainings run in utility processes and engine jobs in worker threads: never on this thread.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, Menu, Notification, screen, session, utilityProcess, type WebContents } from 'electron'
import type { EventChannel, PayloadOf, TrainingState } from '../common/contract'
import { PRODUCT_NAME } from '../common/product'
import { defaultWorkspace } from '../core/train/runs'
import { buildCsp } from '../services/csp'
import { createServices, type Services } from '../services/index'
import { bindHandlers } from './bind'
import { electronDialogs } from './dialogs'
import { createIpc, sendEvent } from './ipc'
import { aboutText, buildMenuTemplate } from './menu'
import { runEndedNotice } from './notify'
import { type RendererTarget, isTrustedRendererUrl, secureWebPreferences } from './security'
import { collectAppInfo } from './services/app-info'
import { utilityTrainerChannel } from './services/trainer'
import { trainerModulePath } from './services/trainerEntry'
import { restoreBounds } from './windowState'

// out/main/index.js → out/preload/index.cjs and out/renderer/index.html (electron-vite layout).
const PRELOAD_PATH = fileURLToPath(new URL('../preload/index.cjs', import.meta.url))
const RENDERER_TARGET: RendererTarget = {
  devServerUrl: !app.isPackaged ? process.env.ELECTRON_RENDERER_URL || undefined : undefined,
  indexHtmlPath: fileURLToPath(new URL('../renderer/index.html', import.meta.url))
}
const CSP = buildCsp({ mode: RENDERER_TARGET.devServerUrl ? 'development' : 'production' })
const TFJS_VERSION = '4.22.0'

let mainWindow: BrowserWindow | null = null
let services: Services | null = null

/** Sends a validated event to every window that is still there. */
function broadcast<E extends EventChannel>(event: E, payload: PayloadOf<E>): void {
  for (const window of BrowserWindow.getAllWindows()) {
    if (!window.isDestroyed() && !window.webContents.isDestroyed()) sendEvent(window.webContents, event, payload)
  }
}

/** Applied to every WebContents ever created: no navigation, no new windows, no <webview>. */
function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

function hardenSession(): void {
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value
    }
    headers['Content-Security-Policy'] = [CSP]
    callback({ responseHeaders: headers })
  })
}

function appInfo() {
  return { ...collectAppInfo(app), host: 'electron' as const, tfjs: TFJS_VERSION, nativeDialogs: true }
}

function notifyRunEnded(state: TrainingState): void {
  const notice = runEndedNotice(state)
  broadcast('notice', {
    level: state.phase === 'finished' || state.phase === 'stopped' ? 'info' : 'error',
    message: `${notice.title}: ${notice.body}`
  })
  if (Notification.isSupported()) new Notification(notice).show()
}

async function showAbout(): Promise<void> {
  const backend = await services!.handlers['backend:probe'](undefined)
  await dialog.showMessageBox({
    type: 'info',
    title: `About ${PRODUCT_NAME}`,
    message: PRODUCT_NAME,
    detail: aboutText(appInfo(), backend)
  })
}

function installMenu(): void {
  const recent = services?.settings.current.recentWorkspaces.map((r) => r.path) ?? []
  const template = buildMenuTemplate({
    appName: PRODUCT_NAME,
    isMac: process.platform === 'darwin',
    recentWorkspaces: recent,
    actions: {
      command: (command) => broadcast('menu:command', { command }),
      openWorkspace: (path) => {
        try {
          // The handler announces workspace:changed and runs:changed itself.
          void services!.handlers['workspace:open']({ path })
        } catch (error) {
          broadcast('notice', { level: 'error', message: error instanceof Error ? error.message : String(error) })
        }
      },
      about: () => void showAbout().catch((error: unknown) => console.error('[main] about:', error))
    }
  })
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

function createWindow(): BrowserWindow {
  const bounds = restoreBounds(
    services?.settings.current.window,
    screen.getAllDisplays().map((d) => d.workArea)
  )
  const window = new BrowserWindow({
    title: PRODUCT_NAME,
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    width: bounds.width,
    height: bounds.height,
    minWidth: 800,
    minHeight: 560,
    show: false,
    webPreferences: secureWebPreferences(PRELOAD_PATH)
  })
  if (bounds.maximized) window.maximize()
  window.once('ready-to-show', () => window.show())
  window.on('close', () => {
    const normal = window.getNormalBounds()
    services?.settings.rememberWindow({ ...normal, maximized: window.isMaximized() })
  })
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null
  })
  const loaded = RENDERER_TARGET.devServerUrl
    ? window.loadURL(RENDERER_TARGET.devServerUrl)
    : window.loadFile(RENDERER_TARGET.indexHtmlPath)
  loaded.catch((error: unknown) => console.error('[main] failed to load the renderer:', error))
  return window
}

function focusMainWindow(): void {
  if (!mainWindow) return
  if (mainWindow.isMinimized()) mainWindow.restore()
  mainWindow.focus()
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the workspace; it gets focused through 'second-instance'.
  app.quit()
} else {
  app.on('second-instance', focusMainWindow)
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents))
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting || !services) return
    // Running trainers finish their step and write a checkpoint first; the runs stay resumable.
    event.preventDefault()
    quitting = true
    services.shutdown().finally(() => app.quit())
  })
  app
    .whenReady()
    .then(() => {
      hardenSession()
      services = createServices({
        settingsFile: join(app.getPath('userData'), 'settings.json'),
        defaultWorkspace: defaultWorkspace(),
        appInfo,
        emit: (event, payload) => {
          broadcast(event, payload)
          // The recent-workspaces submenu follows the workspace the renderer opened.
          if (event === 'workspace:changed') installMenu()
        },
        launchTrainer: () => utilityTrainerChannel(utilityProcess, trainerModulePath),
        dialogs: electronDialogs(dialog),
        onRunEnded: notifyRunEnded
      })
      bindHandlers(
        createIpc((url) => isTrustedRendererUrl(url, RENDERER_TARGET)),
        services.handlers
      )
      installMenu()
      mainWindow = createWindow()
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow()
      })
    })
    .catch((error: unknown) => {
      console.error('[main] startup failed:', error)
      app.quit()
    })
}
