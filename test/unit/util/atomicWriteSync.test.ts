/**
 * What atomic writes ask of the file system, recorded through a stand-in for node:fs that
 * behaves as Windows does where Linux is lenient: fsync on a handle opened read-only fails
 * with EPERM (it used to break every settings, run.json and checkpoint write on Windows). And
 * the folder is flushed after the rename on POSIX, never on Windows.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'

const trace = vi.hoisted(() => ({ flags: new Map<number, string>(), events: [] as string[] }))

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const openSync = (path: string, flags: string, mode?: number): number => {
    const fd = fs.openSync(path, flags, mode)
    trace.flags.set(fd, flags)
    trace.events.push(`open ${flags} ${path.split(/[\\/]/).pop()}`)
    return fd
  }
  const fsyncSync = (fd: number): void => {
    const isDirectory = fs.fstatSync(fd).isDirectory()
    if (!isDirectory && trace.flags.get(fd) === 'r')
      throw Object.assign(new Error('EPERM: operation not permitted, fsync'), { code: 'EPERM' })
    trace.events.push(`fsync ${isDirectory ? 'dir' : 'file'}`)
    fs.fsyncSync(fd)
  }
  const renameSync = (from: string, to: string): void => {
    trace.events.push(`rename ${to.split(/[\\/]/).pop()}`)
    fs.renameSync(from, to)
  }
  return { ...fs, default: { ...fs, openSync, fsyncSync, renameSync }, openSync, fsyncSync, renameSync }
})

const { fsyncDirectory, writeFileAtomic, writeFileSynced } = await import('../../../src/core/util/atomicWrite')

const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-fsync-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeEach(() => {
  trace.events.length = 0
})

describe('atomic writes on a file system that refuses fsync on read-only handles', () => {
  it('flushes the file through the handle that wrote it', () => {
    writeFileSynced(join(dir, 'weights.bin'), Uint8Array.of(1, 2, 3))
    expect(readFileSync(join(dir, 'weights.bin'))).toEqual(Buffer.from([1, 2, 3]))
    expect(trace.events).toEqual(['open w weights.bin', 'fsync file'])
  })

  it('writes, flushes, renames, then flushes the folder so the rename survives a power cut', () => {
    writeFileAtomic(join(dir, 'run.json'), '{"status":"running"}\n')
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe('{"status":"running"}\n')
    const folderFlush = process.platform === 'win32' ? [] : ['open r ' + dir.split(/[\\/]/).pop(), 'fsync dir']
    expect(trace.events.map((e) => e.replace(/\.run\.json\.[0-9a-f]+\.tmp/, '.run.json.TEMP'))).toEqual([
      'open w .run.json.TEMP',
      'fsync file',
      'rename run.json',
      ...folderFlush
    ])
  })

  it('skips the folder flush on Windows, where a folder cannot be opened for it', () => {
    fsyncDirectory(dir, 'win32')
    expect(trace.events).toEqual([])
  })
})
