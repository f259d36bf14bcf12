/**
 * Every process boundary (renderer ⇄ host through the contract, host ⇄ trainer process,
 * host ⇄ job worker, trainer ⇄ gradient workers) checks what it receives with one helper: the message is parsed by the channel's zod
 * schema and comes back typed, or as an error in words that names the channel and what is wrong.
 * Nothing here throws: a malformed message must never crash the process that received it.
 */
import type { z } from 'zod'

export type Received<T> = { ok: true; value: T } | { ok: false; error: string }

/** Longest excerpt of a refused message quoted in an error (a huge string must not flood a log). */
const EXCERPT_CHARS = 200
/** At most this many problems are listed; the rest are counted. */
const MAX_PROBLEMS = 4

/** A short, safe rendering of any value (cycles, BigInt and huge strings included). */
export function excerpt(value: unknown): string {
  let text: string
  try {
    text =
      typeof value === 'string'
        ? JSON.stringify(value.slice(0, EXCERPT_CHARS + 1))
        : (JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value))
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text
}

/** The first few zod issues in words: `path.to.field: message; …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const listed = issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the message'
    return `${where}: ${issue.message.slice(0, EXCERPT_CHARS)}`
  })
  if (issues.length > MAX_PROBLEMS) listed.push(`and ${issues.length - MAX_PROBLEMS} more`)
  return listed.join('; ')
}

/**
 * Checks one incoming message on `channel` (e.g. "trainer event", "job request") against its
 * schema: the parsed value, or an error such as
 * `malformed trainer event: step: Invalid input: expected number, received string (got {…})`.
 */
export function receive<S extends z.ZodType>(channel: string, schema: S, message: unknown): Received<z.output<S>> {
  try {
    const parsed = schema.safeParse(message)
    if (parsed.success) return { ok: true, value: parsed.data }
    return { ok: false, error: `malformed ${channel}: ${describeIssues(parsed.error.issues)} (got ${excerpt(message)})` }
  } catch (error) {
    // A getter or proxy in the message can throw while it is read.
    return {
      ok: false,
      error: `malformed ${channel}: it could not be read (${error instanceof Error ? error.message.slice(0, EXCERPT_CHARS) : excerpt(error)})`
    }
  }
}
