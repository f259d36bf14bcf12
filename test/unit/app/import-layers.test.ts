/**
 * The import layering in eslint.config.js bites: each violating import below is reported for
 * the file it would sit in, and the allowed ones are not. Linted as text, nothing is written.
 */
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: process.cwd() })

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => code.split('\n')[m.line - 1])
}

describe('import layers (eslint no-restricted-imports)', () => {
  it('src/common imports neither host code nor Node built-ins', async () => {
    const code = [
      "import { runDir } from '../core/train/runs'",
      "import type { Services } from '../services/index'",
      "import { buildCsp } from '../../services/csp'",
      "import { readFileSync } from 'node:fs'",
      "import { join } from 'path'",
      "import { z } from 'zod'",
      "import { noRequest } from './schemas/base'",
      'export const all = [runDir, buildCsp, readFileSync, join, z, noRequest] as unknown as Services'
    ].join('\n')
    expect(await restrictedImports('src/common/schemas/probe.ts', code)).toEqual(code.split('\n').slice(0, 5))
  })

  it('src/server does not import the Electron shell', async () => {
    const code = [
      "import { secureWebPreferences } from '../main/security'",
      "import { buildCsp } from '../services/csp'",
      'export const all = [secureWebPreferences, buildCsp]'
    ].join('\n')
    expect(await restrictedImports('src/server/probe.ts', code)).toEqual([code.split('\n')[0]])
  })

  it('src/renderer imports only src/common and its own files', async () => {
    const code = [
      "import { dispatch } from '../../../services/dispatch'",
      "import { contextBridge } from 'electron'",
      "import { readFileSync } from 'node:fs'",
      "import { HostError } from '../../../common/contract'",
      "import { describeError } from '../lib/errors'",
      'export const all = [dispatch, contextBridge, readFileSync, HostError, describeError]'
    ].join('\n')
    expect(await restrictedImports('src/renderer/src/host/probe.ts', code)).toEqual(code.split('\n').slice(0, 3))
  })
})
