// A stand-in for Electron's main-process API that records what the app does with it: the
// windows it opens and their options, the handlers it installs on app, web contents, session
// and ipcMain, and the utility processes it forks. State is shared through
// globalThis.__electronStub, read by main-harness.mjs. Anything not modelled here is a
// recording no-op (a Proxy), so new API use does not break the load.

const calls = []
const appListeners = new Map()
const ipcHandlers = new Map()
const windows = []
const sessionState = { permissionRequest: null, permissionCheck: null, headersReceived: null }
const forks = []

function record(path, args) {
  calls.push({ path, args: args.map((a) => (typeof a === 'function' ? '[function]' : a)) })
}

/** A recording no-op: any property is another recorder, calling one returns a recorder. */
function recorder(path) {
  const target = function () {}
  return new Proxy(target, {
    get(_t, key) {
      if (key === 'then' || typeof key === 'symbol') return undefined
      return recorder(`${path}.${String(key)}`)
    },
    apply(_t, _this, args) {
      record(path, args)
      return recorder(`${path}()`)
    },
    construct(_t, args) {
      record(`new ${path}`, args)
      return recorder(`${path}#instance`)
    }
  })
}

/** `base` with every missing property answered by a recorder. */
function withFallback(base, path) {
  return new Proxy(base, {
    get(t, key) {
      if (key in t || typeof key === 'symbol' || key === 'then') return t[key]
      return recorder(`${path}.${String(key)}`)
    }
  })
}

function emitter(path) {
  const listeners = new Map()
  const on = (event, fn) => {
    if (!listeners.has(event)) listeners.set(event, [])
    listeners.get(event).push(fn)
    return self
  }
  const self = withFallback(
    {
      listeners,
      on,
      once: on,
      addListener: on,
      removeListener: () => self,
      off: () => self,
      emit: (event, ...args) => (listeners.get(event) ?? []).forEach((fn) => fn(...args))
    },
    path
  )
  return self
}

export function createWebContents() {
  const contents = emitter('webContents')
  contents.windowOpenHandlers = []
  contents.setWindowOpenHandler = (fn) => contents.windowOpenHandlers.push(fn)
  contents.sent = []
  contents.send = (...args) => contents.sent.push(args)
  contents.id = 1
  return contents
}

const appBase = emitter('app')
appBase.isPackaged = false
appBase.isReady = () => true
appBase.whenReady = () => Promise.resolve()
appBase.requestSingleInstanceLock = () => true
appBase.getPath = (name) => `${process.env.ELECTRON_STUB_HOME ?? '/nonexistent'}/${name}`
appBase.getAppPath = () => process.cwd()
appBase.getName = () => 'D-Softmax Studio'
appBase.getVersion = () => '0.0.0-stub'
appBase.getLocale = () => 'en-US'
appBase.quit = () => record('app.quit', [])
appBase.exit = (code) => record('app.exit', [code])
const originalOn = appBase.on
appBase.on = (event, fn) => {
  appListeners.set(event, [...(appListeners.get(event) ?? []), fn])
  return originalOn(event, fn)
}
appBase.once = appBase.on
export const app = appBase

export class BrowserWindow {
  static getAllWindows() {
    return windows.map((w) => w.window)
  }
  static fromWebContents() {
    return windows[0]?.window ?? null
  }
  constructor(options) {
    this.options = options
    this.webContents = createWebContents()
    this.loaded = []
    const events = emitter('BrowserWindow')
    this.on = events.on
    this.once = events.once
    this.emit = events.emit
    windows.push({ window: this, options })
    return withFallback(this, 'BrowserWindow#instance')
  }
  loadURL(url) {
    this.loaded.push(url)
    return Promise.resolve()
  }
  loadFile(file) {
    this.loaded.push(file)
    return Promise.resolve()
  }
  isDestroyed() {
    return false
  }
  isMinimized() {
    return false
  }
  show() {}
  focus() {}
  restore() {}
}

const defaultSession = withFallback(
  {
    setPermissionRequestHandler: (fn) => (sessionState.permissionRequest = fn),
    setPermissionCheckHandler: (fn) => (sessionState.permissionCheck = fn),
    webRequest: withFallback({ onHeadersReceived: (fn) => (sessionState.headersReceived = fn) }, 'session.webRequest')
  },
  'session.defaultSession'
)
export const session = withFallback({ defaultSession }, 'session')

export const ipcMain = withFallback(
  {
    handle: (channel, fn) => ipcHandlers.set(channel, fn),
    removeHandler: (channel) => ipcHandlers.delete(channel),
    on: (channel) => record('ipcMain.on', [channel]),
    once: (channel) => record('ipcMain.once', [channel])
  },
  'ipcMain'
)

export const utilityProcess = {
  fork(modulePath, args, options) {
    const child = emitter('utilityProcess#child')
    child.pid = 4242
    child.postMessage = () => {}
    child.kill = () => true
    forks.push({ modulePath, args, options })
    return child
  }
}

export const Menu = withFallback(
  {
    buildFromTemplate: (template) => withFallback({ template, items: template }, 'Menu#instance'),
    setApplicationMenu: (menu) => record('Menu.setApplicationMenu', [menu ? 'menu' : null])
  },
  'Menu'
)

export const dialog = recorder('dialog')
export const shell = recorder('shell')
export const nativeTheme = withFallback(emitter('nativeTheme'), 'nativeTheme')
export const protocol = recorder('protocol')
export const screen = recorder('screen')
export const nativeImage = recorder('nativeImage')
export const Notification = recorder('Notification')
export const powerSaveBlocker = recorder('powerSaveBlocker')
export const powerMonitor = withFallback(emitter('powerMonitor'), 'powerMonitor')
export const clipboard = recorder('clipboard')
export const crashReporter = recorder('crashReporter')
export const globalShortcut = recorder('globalShortcut')
export const net = recorder('net')
export const MenuItem = recorder('MenuItem')
export const Tray = recorder('Tray')
export const webContents = recorder('webContents')
export const contextBridge = recorder('contextBridge')
export const ipcRenderer = recorder('ipcRenderer')

globalThis.__electronStub = { calls, appListeners, ipcHandlers, windows, sessionState, forks, createWebContents }

export default { app, BrowserWindow, session, ipcMain, utilityProcess, Menu, dialog, shell, nativeTheme, protocol }
