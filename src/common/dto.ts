/**
 * Data shapes that cross the contract (main ⇄ preload ⇄ renderer, later the web host).
 *
 * Plain JSON-compatible objects only: they travel through Electron's structured clone and
 * JSON over HTTP/WebSocket. Every DTO is a zod schema (the contract's validators) with its
 * type inferred from it; the larger domains live in ./schemas/.
 *
 * Nothing here imports src/core: the engine's own types are mapped onto these DTOs by the
 * service that talks to the trainer process.
 */
import { z } from 'zod'

/** `app:info` response: who is running and on what. */
export const appInfoSchema = z.strictObject({
  /** Application name as the host reports it (Electron: `app.getName()`). */
  name: z.string().min(1),
  /** Application version (package.json `version`). */
  version: z.string().min(1),
  /** Electron version; absent when the host is not Electron (web host, tests). */
  electron: z.string().optional(),
  /** Node.js version of the host process. */
  node: z.string().min(1),
  /** Chromium version; absent when the host is not Electron. */
  chrome: z.string().optional(),
  /** `process.platform` of the host process. */
  platform: z.string().min(1),
  /** Which host serves the renderer. Absent in older hosts: treat as 'electron'. */
  host: z.enum(['electron', 'web']).optional(),
  /** TensorFlow.js version the engine uses. */
  tfjs: z.string().optional(),
  /** False where `dialog:open`/`dialog:save` answer `supported: false` (type paths instead). */
  nativeDialogs: z.boolean().optional()
})
export type AppInfo = z.infer<typeof appInfoSchema>

/** The tfjs backends a report can name (tfjs' own names: 'tensorflow' is tfjs-node with or without CUDA). */
export const BACKEND_IDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const
export type BackendId = (typeof BACKEND_IDS)[number]

/** One candidate the backend chooser looked at and did not take, and why. */
export const backendRejectionSchema = z.strictObject({
  /** What was tried, e.g. `@tensorflow/tfjs-node-gpu` or `wasm`. */
  candidate: z.string().min(1),
  /** Human-readable reason, e.g. "package not installed (libtensorflow download failed)". */
  reason: z.string().min(1)
})
export type BackendRejection = z.infer<typeof backendRejectionSchema>

/**
 * `backend:probe` response and `backend:report` event payload.
 *
 * `status: 'not-probed'` is an honest placeholder: nothing has been probed (yet), `choice`
 * is null and `reason` says why. `status: 'probed'` carries the chooser's real answer.
 */
export const backendReportSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('not-probed'),
    choice: z.null(),
    reason: z.string().min(1),
    rejected: z.array(backendRejectionSchema)
  }),
  z.strictObject({
    status: z.literal('probed'),
    choice: z.enum(BACKEND_IDS),
    reason: z.string().min(1),
    rejected: z.array(backendRejectionSchema),
    /** webgpu only: the adapter in words (vendor, architecture, buffer limit; software adapters say so). */
    adapter: z.string().max(500).optional()
  })
])
export type BackendReport = z.infer<typeof backendReportSchema>

// ---------------------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------------------

export type Guard<T> = (value: unknown) => value is T

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A type guard from a schema (for callers that want a boolean, e.g. the trainer protocol). */
export function guardOf<T>(schema: z.ZodType<T>): Guard<T> {
  return (value: unknown): value is T => schema.safeParse(value).success
}

export const isAppInfo: Guard<AppInfo> = guardOf(appInfoSchema)
export const isBackendRejection: Guard<BackendRejection> = guardOf(backendRejectionSchema)
export const isBackendReport: Guard<BackendReport> = guardOf(backendReportSchema)

export function isBackendId(value: unknown): value is BackendId {
  return typeof value === 'string' && (BACKEND_IDS as readonly string[]).includes(value)
}
