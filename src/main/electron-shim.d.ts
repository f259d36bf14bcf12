/**
 * Stand-in type declarations for the parts of Electron's API this project uses.
 *
 * Why it exists: `electron` is an optionalDependency whose install downloads a binary;
 * where that download is impossible the package (and its electron.d.ts) is absent and
 * `tsc` could not resolve `import … from 'electron'`. tsconfig.node.json maps `electron`
 * to the real `node_modules/electron/electron.d.ts` FIRST and to this file only as a
 * fallback (`paths` tries its locations in order), so wherever Electron is installed the
 * real types win and this file is unused. Keep the signatures compatible with the real
 * ones (a subset, never a superset) — the code must compile against both.
 *
 * Types only: nothing here exists at runtime. electron-vite keeps `electron` external.
 */

export interface Event<Params = Record<string, never>> {
  preventDefault(): void
  readonly defaultPrevented: boolean
  readonly params?: Params
}

export interface WebPreferences {
  preload?: string
  sandbox?: boolean
  contextIsolation?: boolean
  nodeIntegration?: boolean
  nodeIntegrationInWorker?: boolean
  nodeIntegrationInSubFrames?: boolean
  webSecurity?: boolean
  allowRunningInsecureContent?: boolean
  webviewTag?: boolean
  experimentalFeatures?: boolean
  navigateOnDragDrop?: boolean
  safeDialogs?: boolean
}

export interface BrowserWindowConstructorOptions {
  title?: string
  x?: number
  y?: number
  width?: number
  height?: number
  minWidth?: number
  minHeight?: number
  backgroundColor?: string
  show?: boolean
  autoHideMenuBar?: boolean
  webPreferences?: WebPreferences
}

export interface HandlerDetails {
  url: string
}

export type WindowOpenHandlerResponse = { action: 'deny' } | { action: 'allow' }

export interface WebFrameMain {
  readonly url: string
}

export interface WebContents {
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: Event) => void): this
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
}

export interface Rectangle {
  x: number
  y: number
  width: number
  height: number
}

export declare class BrowserWindow {
  constructor(options?: BrowserWindowConstructorOptions)
  static getAllWindows(): BrowserWindow[]
  readonly webContents: WebContents
  loadURL(url: string): Promise<void>
  loadFile(filePath: string): Promise<void>
  show(): void
  focus(): void
  restore(): void
  maximize(): void
  isMinimized(): boolean
  isMaximized(): boolean
  isDestroyed(): boolean
  getNormalBounds(): Rectangle
  on(event: 'closed' | 'close', listener: () => void): this
  once(event: 'ready-to-show', listener: () => void): this
}

export interface MenuItemConstructorOptions {
  label?: string
  accelerator?: string
  enabled?: boolean
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio'
  role?: 'close' | 'quit' | 'help' | 'editMenu' | 'resetZoom' | 'zoomIn' | 'zoomOut' | 'togglefullscreen' | 'hide'
  submenu?: MenuItemConstructorOptions[]
  click?: () => void
}

export declare class Menu {
  static buildFromTemplate(template: MenuItemConstructorOptions[]): Menu
  static setApplicationMenu(menu: Menu | null): void
}

export interface FileFilter {
  name: string
  extensions: string[]
}

export interface OpenDialogOptions {
  title?: string
  defaultPath?: string
  filters?: FileFilter[]
  properties?: Array<'openFile' | 'openDirectory' | 'createDirectory'>
}

export interface SaveDialogOptions {
  title?: string
  defaultPath?: string
  filters?: FileFilter[]
}

export interface MessageBoxOptions {
  message: string
  type?: 'none' | 'info' | 'error' | 'question' | 'warning'
  title?: string
  detail?: string
  buttons?: string[]
  defaultId?: number
  cancelId?: number
  noLink?: boolean
}

export interface Dialog {
  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>
  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>
  showMessageBox(options: MessageBoxOptions): Promise<{ response: number }>
}
export declare const dialog: Dialog

export declare class Notification {
  constructor(options?: { title?: string; body?: string })
  static isSupported(): boolean
  show(): void
}

export interface Display {
  workArea: Rectangle
}
export declare const screen: { getAllDisplays(): Display[] }

export interface App {
  readonly isPackaged: boolean
  getName(): string
  getVersion(): string
  quit(): void
  requestSingleInstanceLock(): boolean
  whenReady(): Promise<void>
  getPath(name: 'userData' | 'home' | 'documents'): string
  on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): this
  on(event: 'before-quit', listener: (event: Event) => void): this
  on(event: 'web-contents-created', listener: (event: Event, webContents: WebContents) => void): this
}
export declare const app: App

export interface OnHeadersReceivedListenerDetails {
  url: string
  responseHeaders?: Record<string, string[]>
}

export interface HeadersReceivedResponse {
  cancel?: boolean
  responseHeaders?: Record<string, string | string[]>
}

export interface WebRequest {
  onHeadersReceived(
    listener: (
      details: OnHeadersReceivedListenerDetails,
      callback: (headersReceivedResponse: HeadersReceivedResponse) => void
    ) => void
  ): void
}

export interface Session {
  readonly webRequest: WebRequest
  setPermissionRequestHandler(
    handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null
  ): void
  setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string) => boolean) | null): void
}
export declare const session: { readonly defaultSession: Session }

export interface IpcMainInvokeEvent extends Event {
  readonly senderFrame: WebFrameMain | null
  readonly sender: WebContents
}

export interface IpcMain {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}
export declare const ipcMain: IpcMain

export type IpcRendererEvent = Event

export interface IpcRenderer {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): this
  removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): this
}
export declare const ipcRenderer: IpcRenderer

export interface ContextBridge {
  exposeInMainWorld(apiKey: string, api: unknown): void
}
export declare const contextBridge: ContextBridge

export interface UtilityProcessForkOptions {
  serviceName?: string
  stdio?: 'ignore' | 'inherit' | 'pipe' | string[]
}

export interface UtilityProcess {
  readonly pid: number | undefined
  postMessage(message: unknown): void
  on(event: 'message', listener: (message: unknown) => void): this
  on(event: 'exit', listener: (code: number) => void): this
  kill(): boolean
}
export declare const utilityProcess: {
  fork(modulePath: string, args?: string[], options?: UtilityProcessForkOptions): UtilityProcess
}
