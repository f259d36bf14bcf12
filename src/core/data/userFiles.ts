// Files named by a user's data (pair lists, .bin and list files themselves) are read only when
// they are plain regular files of a sane size. A list could otherwise name /dev/zero (endless
// bytes), a FIFO (a read that never returns), a Windows device (CON, \\.\PhysicalDrive0) or a
// UNC path (\\host\share\a.jpg makes Windows connect to that host and offer the user's NTLM hash).
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { FileProblemError } from './fileProblem'

/** Largest image a pair list may name (the decoder refuses anything over 24 megapixels anyway). */
export const MAX_IMAGE_FILE_BYTES = 64 * 2 ** 20
/** Largest pair list (LFW's pairs.txt is 200 kB; a million CSV pairs fit in 100 MB). */
export const MAX_PAIR_LIST_BYTES = 128 * 2 ** 20
/** Largest verification .bin (insightface's sets are 50–500 MB). */
export const MAX_BIN_BYTES = 2 ** 31 - 1

/** Reserved DOS device names, with or without an extension (`nul.jpg` is still NUL on Windows). */
const WINDOWS_DEVICES = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\.[^\\/]*)?$/i

/**
 * Why a path named inside a data file must not be opened, or null. Checked on the text as
 * written, before anything touches the file system. UNC and device namespaces (`\\host\share`,
 * `//host/share`, `\\.\`, `\\?\`) are refused on every platform (a list written on Linux may
 * be read on Windows); DOS device names on Windows, device trees elsewhere.
 */
export function refusedPath(path: string, platform: NodeJS.Platform = process.platform): string | null {
  if (path.includes('\0')) return 'contains a NUL character'
  if (/^[\\/]{2}/.test(path)) return 'is a network (UNC) or device path; only local files are read'
  if (platform === 'win32') {
    const name = basename(path.replace(/\\/g, '/')).replace(/[. ]+$/, '')
    if (WINDOWS_DEVICES.test(name)) return 'names a Windows device; only regular files are read'
  } else if (/^\/(dev|proc|sys)(\/|$)/.test(path)) return 'is a device or system path; only regular files are read'
  return null
}

/** A file that is not readable as data, with the reason; names the file. */
export class UserFileError extends FileProblemError {
  override name = 'UserFileError'
  constructor(
    file: string,
    problem: string,
    /** The system error code when opening failed (ENOENT, EACCES…). */
    readonly code?: string
  ) {
    super(file, problem)
  }
}

/**
 * The bytes of `file`, refused unless it is a regular file of at most `maxBytes`. The type and
 * size are checked on the opened handle (no window between a check and the read), and the open
 * does not wait on a FIFO.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<Uint8Array> {
  const refused = refusedPath(file)
  if (refused) throw new UserFileError(file, refused)
  const flags = constants.O_RDONLY | (process.platform === 'win32' ? 0 : constants.O_NONBLOCK)
  let handle
  try {
    handle = await open(file, flags)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UserFileError(file, code === 'ENOENT' ? 'file not found' : (error as Error).message, code)
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile())
      throw new UserFileError(
        file,
        `is not a regular file (${stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a pipe' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : stats.isSocket() ? 'a socket' : 'a special file'})`
      )
    if (stats.size > maxBytes) throw new UserFileError(file, `is ${stats.size} bytes, over the limit of ${maxBytes}`)
    const bytes = new Uint8Array(stats.size)
    let filled = 0
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return filled === bytes.length ? bytes : bytes.subarray(0, filled)
  } finally {
    await handle.close()
  }
}
