// Content digests: sha256 for integrity checks of written files, a short sha1 for telling
// identical images apart in dataset reports.
import { createHash } from 'node:crypto'

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** 16 hex digits of sha1: enough to find duplicate files, short enough to cache per image. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 16)
}
