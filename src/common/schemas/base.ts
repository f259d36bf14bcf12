/**
 * Building blocks of the contract's schemas: bounded strings, ids, paths, task ids.
 * Every string a request carries has a length limit, so a hostile or buggy renderer cannot
 * make a host parse megabytes of text, and no path may hold a NUL byte.
 */
import { z } from 'zod'

/** Longest path a request may carry (Linux PATH_MAX). */
export const MAX_PATH_CHARS = 4096
/** Longest free text (names, tags, titles). */
export const MAX_TEXT_CHARS = 200
/** Most items in one request list (tags, run ids to compare). */
export const MAX_LIST_ITEMS = 64

/** A short human text: names, titles. Trimmed, not empty. */
export const textSchema = z.string().trim().min(1).max(MAX_TEXT_CHARS)

/** A run id as the engine writes them (letters, digits, `_ . -`), never `.` or `..`. */
export const runIdSchema = z
  .string()
  .min(1)
  .max(MAX_TEXT_CHARS)
  .regex(/^[\w.-]+$/, 'a run id holds only letters, digits, "_", "." and "-"')
  .refine((id) => id !== '.' && id !== '..', 'not a run id')

/** A tag: one short word or phrase without commas. */
export const tagSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^,\n]+$/, 'a tag holds no commas or line breaks')

/**
 * A path the user typed or picked: absolute (POSIX `/…`, Windows `C:\…` or `\\server\…`) or
 * starting with `~/` (the host expands it). The host resolves it and applies the root the
 * channel implies; the schema only refuses what no host should accept.
 */
export const userPathSchema = z
  .string()
  .min(1)
  .max(MAX_PATH_CHARS)
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character')
  .refine((p) => /^(\/|~\/|~$|[A-Za-z]:[\\/]|\\\\)/.test(p), 'give an absolute path (or one starting with ~/)')

/** Client-chosen id of a long action, so the renderer can follow its progress and cancel it. */
export const taskIdSchema = z.string().regex(/^[\w-]{1,64}$/, 'a task id holds 1–64 letters, digits, "_" or "-"')

/** A finite number, or null where the value does not exist (JSON has no NaN/Infinity). */
export const maybeNumber = z.number().nullable()

/** "No argument": the channel is invoked without one. */
export const noRequest = z.undefined()

/** A small image inlined as `data:image/png;base64,…` (thumbnails, worst pairs). */
export const dataUrlSchema = z.string().startsWith('data:image/')

/** Structured clone / JSON friendly record of anything (recipes stored in config.json). */
export const jsonRecordSchema = z.record(z.string(), z.unknown())
