/**
 * The one answer shape of every transport (Electron IPC, HTTP): `{ ok: true, value }` or
 * `{ ok: false, error: { code, message } }`. Hosts never throw to their transport; clients
 * open the envelope and rebuild the HostError, so its code survives the trip and the UI picks
 * its words by code, never by parsing a message.
 */
import { z } from 'zod'

/**
 * Why a request failed. The first four are the contract's own refusals (see ContractError);
 * the next six are raised on purpose by services (or mapped from a system error's errno);
 * the last two come from the transports.
 */
export const HOST_ERROR_CODES = [
  /** No request channel of that name. */
  'unknown-channel',
  /** The request does not match its channel's schema (types, unknown keys, argument count). */
  'malformed-request',
  /** The host's own answer broke the contract: the host's bug, not the caller's. */
  'malformed-response',
  /** A handler threw something that is not a HostError: an unexpected failure. */
  'failed',
  'bad-request',
  'not-found',
  'conflict',
  'forbidden',
  'cancelled',
  /** The disk (or quota) is full. */
  'no-space',
  /** The web host wants its token. */
  'unauthorized',
  /** The client could not reach the host, or got something that is not an envelope. */
  'unreachable'
] as const
export type HostErrorCode = (typeof HOST_ERROR_CODES)[number]

export const CONTRACT_ERROR_CODES = [
  'unknown-channel',
  'malformed-request',
  'malformed-response'
] as const satisfies readonly HostErrorCode[]
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number]

export function isContractErrorCode(code: HostErrorCode): code is ContractErrorCode {
  return (CONTRACT_ERROR_CODES as readonly string[]).includes(code)
}

/** An error with a code: raised on purpose by a service (its message is written for the user) or by a host. */
export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'HostError'
  }
}

export const hostErrorCodeSchema = z.enum(HOST_ERROR_CODES)
export const wireErrorSchema = z.strictObject({ code: hostErrorCodeSchema, message: z.string() })
export type WireError = z.infer<typeof wireErrorSchema>

export const envelopeSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: wireErrorSchema })
])
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError }

export function success<T>(value: T): Envelope<T> {
  return { ok: true, value }
}

export function failure(code: HostErrorCode, message: string): Envelope<never> {
  return { ok: false, error: { code, message } }
}
