/**
 * The CLI and names it did not choose: terminal control sequences in a run's name or a dataset
 * folder are printed as visible escapes, not obeyed by the terminal; and command names are
 * looked up among the commands only, never through Object.prototype (`cli -- constructor`).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/cli'
import type { CliIo } from '../../../src/cli/io'
import { ERASE_LINE_END, printable } from '../../../src/cli/terminal'
import { presetConfig } from '../../../src/core/train/presets'

const root = mkdtempSync(join(tmpdir(), 'dsoftmax-terminal-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Bytes a terminal acts on: ESC, BEL, C1 controls (CSI 0x9b, OSC 0x9d), carriage returns, bidi overrides. */
// eslint-disable-next-line no-control-regex -- the test looks for exactly these control characters
const ACTIVE = /[\u0007\u001b\u009b\u009d\r\u202e]/

describe('printable', () => {
  it('shows control sequences as escapes', () => {
    expect(printable('a\u001b]0;pwned\u0007b')).toBe('a\\x1b]0;pwned\\x07b')
    expect(printable('\u001b[2J\u001b[1;1H')).toBe('\\x1b[2J\\x1b[1;1H')
    expect(printable('x\u009b31my')).toBe('x\\x9b31my')
    expect(printable('evil\u202egpj.exe')).toBe('evil\\u202egpj.exe')
    expect(printable('mid\rline')).toBe('mid\\x0dline')
  })

  it('keeps text, newlines, tabs and the progress bar redraw as they are', () => {
    expect(printable('Zoë\tBjörk 李\n')).toBe('Zoë\tBjörk 李\n')
    const bar = `\r[####....]  50% step 5/10${ERASE_LINE_END}`
    expect(printable(bar)).toBe(bar)
  })
})

describe('the CLI process', () => {
  it('prints a run name full of control sequences without them reaching the terminal', () => {
    const workspace = join(root, 'ws')
    const dir = join(workspace, 'runs', 'r1')
    mkdirSync(dir, { recursive: true })
    const name = 'nice\u001b]0;owned\u0007\u001b[2J\r\u202eevil'
    writeFileSync(join(dir, 'config.json'), '{}')
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify({
        id: 'r1',
        name,
        tags: ['t\u001b[31m'],
        status: 'stopped',
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z'
      })
    )
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', join('src', 'cli', 'index.ts'), 'runs', 'list', '--out', workspace],
      { encoding: 'utf8' }
    )
    expect(cli.status, cli.stderr).toBe(0)
    expect(cli.stdout).toContain('nice\\x1b]0;owned\\x07\\x1b[2J\\x0d\\u202eevil')
    expect(cli.stdout).not.toMatch(ACTIVE)
  }, 60_000)
})

describe('name lookups', () => {
  it('refuses names of Object.prototype as presets', () => {
    for (const name of ['constructor', 'toString', '__proto__'])
      expect(() => presetConfig(name), name).toThrow(`unknown preset "${name}"`)
  })

  it('refuses names of Object.prototype as unknown commands', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      let err = ''
      const io: CliIo = { stdout: () => {}, stderr: (s) => void (err += s), isTty: false }
      expect(await main([name], io), name).toBe(2)
      expect(err, name).toContain(`unknown command "${name}"`)
    }
  })

  it('refuses names of Object.prototype as benchmark groups', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      let err = ''
      const io: CliIo = { stdout: () => {}, stderr: (s) => void (err += s), isTty: false }
      expect(await main(['bench', name], io), name).toBe(2)
      expect(err, name).toContain(`unknown benchmark group "${name}"`)
    }
  })
})
