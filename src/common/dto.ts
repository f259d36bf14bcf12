/**
 * Data shapes that cross the contract (main ⇄ preload ⇄ renderer, later the web host).
 *
 * Plain JSON-compatible objects only: they travel through Electron's structured clone and,
 * later, JSON over HTTP/WebSocket. Every DTO has a hand-written guard next to it; the guards
 * are the contract's validators (no schema library on purpose).
 *
 * Nothing here imports src/core: the engine's own types are mapped onto these DTOs by the
 * service that talks to the trainer process.
 */

/** `app:info` response: who is running and on what. */
export interface AppInfo {
  /** Application name as the host reports it (Electron: `app.getName()`). */
  name: string
  /** Application version (Electron: `app.getVersion()`, i.e. package.json `version`). */
  version: string
  /** Electron version; absent when the host is not Electron (web host, tests). */
  electron?: string
  /** Node.js version of the host process. */
  node: string
  /** Chromium version; absent when the host is not Electron. */
  chrome?: string
  /** `process.platform` of the host process. */
  platform: string
}

/** The tfjs backends the engine can pick, in the order it tries them (DESIGN §5). */
export const BACKEND_IDS = ['tensorflow', 'wasm', 'cpu'] as const
export type BackendId = (typeof BACKEND_IDS)[number]

/** One candidate the backend chooser looked at and did not take, and why. */
export interface BackendRejection {
  /** What was tried, e.g. `@tensorflow/tfjs-node-gpu` or `wasm`. */
  candidate: string
  /** Human-readable reason, e.g. "package not installed (libtensorflow download failed)". */
  reason: string
}

/**
 * `backend:probe` response and `backend:report` event payload.
 *
 * `status: 'not-probed'` is an honest placeholder: nothing has been probed (yet), `choice`
 * is null and `reason` says why. `status: 'probed'` carries the chooser's real answer.
 */
export type BackendReport =
  | { status: 'not-probed'; choice: null; reason: string; rejected: BackendRejection[] }
  | { status: 'probed'; choice: BackendId; reason: string; rejected: BackendRejection[] }

// ---------------------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------------------

export type Guard<T> = (value: unknown) => value is T

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string'
}

/** True when `value` has no own keys outside `allowed` (rejects smuggled extra fields). */
function hasOnlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key))
}

const APP_INFO_KEYS = ['name', 'version', 'electron', 'node', 'chrome', 'platform'] as const

export function isAppInfo(value: unknown): value is AppInfo {
  return (
    isRecord(value) &&
    hasOnlyKeys(value, APP_INFO_KEYS) &&
    isNonEmptyString(value.name) &&
    isNonEmptyString(value.version) &&
    isNonEmptyString(value.node) &&
    isNonEmptyString(value.platform) &&
    isOptionalString(value.electron) &&
    isOptionalString(value.chrome)
  )
}

export function isBackendId(value: unknown): value is BackendId {
  return typeof value === 'string' && (BACKEND_IDS as readonly string[]).includes(value)
}

export function isBackendRejection(value: unknown): value is BackendRejection {
  return (
    isRecord(value) &&
    hasOnlyKeys(value, ['candidate', 'reason']) &&
    isNonEmptyString(value.candidate) &&
    isNonEmptyString(value.reason)
  )
}

export function isBackendReport(value: unknown): value is BackendReport {
  if (!isRecord(value) || !hasOnlyKeys(value, ['status', 'choice', 'reason', 'rejected'])) return false
  if (!isNonEmptyString(value.reason)) return false
  if (!Array.isArray(value.rejected) || !value.rejected.every(isBackendRejection)) return false
  if (value.status === 'not-probed') return value.choice === null
  if (value.status === 'probed') return isBackendId(value.choice)
  return false
}
