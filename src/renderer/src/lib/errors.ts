/**
 * Turns whatever a host call threw into words a user can act on: the host's own message,
 * plus what to do, chosen by the HostError's code (the envelope carries it over every
 * transport), never guessed from the message's wording.
 */
import { HostError, type HostErrorCode } from '../../../common/contract'

export interface UserError {
  /** What went wrong, in one sentence. */
  message: string
  /** What to try, when we know. */
  hint?: string
}

const MISMATCH = 'The page and its host do not match (a half-applied update?): reload the page, or restart the app.'

const HINTS: Partial<Record<HostErrorCode, string>> = {
  'not-found': 'It is not there (any more): check the path or name, or refresh the list.',
  forbidden: 'The app may not use that place: choose it with Browse…, pick another folder, or fix its permissions.',
  'no-space': 'The disk is full: free some space and try again.',
  cancelled: 'The action was cancelled; nothing was changed.',
  unauthorized: 'The host refused the request: open the exact URL the host printed (it carries the access token).',
  unreachable: 'The connection to the application host was lost: is it still running? Reload the page once it is.',
  'unknown-channel': MISMATCH,
  'malformed-response': MISMATCH
}

const NO_REASON = 'Something went wrong, and the host gave no reason.'

function rawMessage(cause: unknown): string {
  if (cause instanceof Error) return cause.message
  if (typeof cause === 'string') return cause
  if (typeof cause === 'object' && cause !== null && typeof (cause as { message?: unknown }).message === 'string') {
    return (cause as { message: string }).message
  }
  return NO_REASON
}

/** Electron wraps errors thrown outside the envelope as "Error invoking remote method 'x': Error: real message". */
function unwrap(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*':\s*(\w*Error:\s*)?/, '').trim()
}

export function toUserError(cause: unknown): UserError {
  const message = unwrap(rawMessage(cause)) || NO_REASON
  const hint = cause instanceof HostError ? HINTS[cause.code] : undefined
  return hint ? { message, hint } : { message }
}

export function describeError(cause: unknown): string {
  const error = toUserError(cause)
  return error.hint ? `${error.message} — ${error.hint}` : error.message
}
