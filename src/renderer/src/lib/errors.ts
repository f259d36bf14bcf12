/**
 * Turns whatever a host call threw into words a user can act on: the host's own message
 * when it wrote one for people, plus what to do for the failures we can recognise.
 */
export interface UserError {
  /** What went wrong, in one sentence. */
  message: string
  /** What to try, when we know. */
  hint?: string
}

const HINTS: [RegExp, string][] = [
  [/ENOENT|no such file|does not exist|not found/i, 'Check the path: the file or folder is not there (or was moved).'],
  [/EACCES|EPERM|permission denied|not writable/i, 'The app may not read or write there: pick another folder or fix its permissions.'],
  [/ENOSPC|no space/i, 'The disk is full: free some space and try again.'],
  [/Failed to fetch|NetworkError|ECONNREFUSED|socket.*(closed|hang up)|connection.*(lost|closed)/i, 'The connection to the application host was lost: is it still running? Reload the page once it is.'],
  [/401|403|token|forbidden/i, 'The host refused the request: open the exact URL the host printed (it carries the access token).'],
  [/cancel/i, 'The action was cancelled; nothing was changed.'],
  [/out of memory|allocation failed|OOM/i, 'Not enough memory: use a smaller batch, input or model.']
]

function rawMessage(cause: unknown): string {
  if (cause instanceof Error) return cause.message
  if (typeof cause === 'string') return cause
  if (typeof cause === 'object' && cause !== null && typeof (cause as { message?: unknown }).message === 'string') {
    return (cause as { message: string }).message
  }
  return 'Something went wrong, and the host gave no reason.'
}

/** Electron wraps handler errors as "Error invoking remote method 'x': Error: real message". */
function unwrap(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*':\s*(\w*Error:\s*)?/, '').trim()
}

export function toUserError(cause: unknown): UserError {
  const message = unwrap(rawMessage(cause)) || 'Something went wrong, and the host gave no reason.'
  const hint = HINTS.find(([pattern]) => pattern.test(message))?.[1]
  return hint ? { message, hint } : { message }
}

export function describeError(cause: unknown): string {
  const error = toUserError(cause)
  return error.hint ? `${error.message} — ${error.hint}` : error.message
}
