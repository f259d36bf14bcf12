/**
 * Electron main process: one secure window, the typed IPC handlers, nothing else yet.
 * The engine will run in a utility process started from here (later issue); this process
 * never trains on its own thread.
 */
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, session, utilityProcess, type WebContents } from 'electron'
import { PRODUCT_NAME } from '../common/product'
import { createIpc } from './ipc'
import { type RendererTarget, buildCsp, isTrustedRendererUrl, secureWebPreferences } from './security'
import { collectAppInfo } from './services/app-info'
import { notProbedReport } from './services/backend'
import { defaultWorkspace } from '../core/train/runs'
import { createTrainerService, type TrainerService } from './services/trainer'
import { trainerModulePath } from './services/trainerEntry'

// out/main/index.js → out/preload/index.cjs and out/renderer/index.html (electron-vite layout).
const PRELOAD_PATH = fileURLToPath(new URL('../preload/index.cjs', import.meta.url))
const RENDERER_TARGET: RendererTarget = {
  devServerUrl: !app.isPackaged ? process.env.ELECTRON_RENDERER_URL || undefined : undefined,
  indexHtmlPath: fileURLToPath(new URL('../renderer/index.html', import.meta.url))
}
const CSP = buildCsp({ mode: RENDERER_TARGET.devServerUrl ? 'development' : 'production' })

let mainWindow: BrowserWindow | null = null
/** Trains in utility processes, never on this thread (channels to the renderer come with the training UI). */
let trainer: TrainerService | null = null

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

function registerIpc(): void {
  const ipc = createIpc((url) => isTrustedRendererUrl(url, RENDERER_TARGET))
  ipc.handle('app:info', () => collectAppInfo(app))
  ipc.handle('backend:probe', () => notProbedReport())
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: PRODUCT_NAME,
    width: 1200,
    height: 800,
    show: false,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(PRELOAD_PATH)
  })
  window.once('ready-to-show', () => window.show())
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
    if (process.platform === 'darwin') return
    // A running trainer finishes its step and writes a checkpoint; the run stays resumable.
    trainer?.stopAll()
    app.quit()
  })
  app
    .whenReady()
    .then(() => {
      hardenSession()
      registerIpc()
      trainer = createTrainerService({ utility: utilityProcess, modulePath: trainerModulePath, workspace: defaultWorkspace() })
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
