import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFileAtomic, writeJsonAtomic } from '../../../src/core/util/atomicWrite'

const dir = mkdtempSync(join(tmpdir(), 'dsoftmax-atomic-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('atomic writes', () => {
  it('replaces the file whole and leaves no temporary file behind', () => {
    const path = join(dir, 'sub', 'config.json')
    writeJsonAtomic(path, { a: 1 })
    writeJsonAtomic(path, { a: 2 })
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 2 })
    expect(readdirSync(join(dir, 'sub'))).toEqual(['config.json'])
  })

  it('keeps the previous contents and removes its temporary file when a write fails', () => {
    const path = join(dir, 'keep.txt')
    writeFileAtomic(path, 'old')
    // Data Node refuses to write makes the write fail before anything is renamed.
    expect(() => writeFileAtomic(path, 123 as unknown as string)).toThrow()
    expect(readFileSync(path, 'utf8')).toBe('old')
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('fails loudly when the target cannot be replaced, leaving no temporary file', () => {
    const blocked = join(dir, 'blocked')
    mkdirSync(join(blocked, 'inner'), { recursive: true })
    expect(() => writeFileAtomic(blocked, 'new')).toThrow()
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
