/**
 * Starts the real web host (`src/server/index.ts`, what `npm run serve` runs) as a child
 * process on a random port, with its own workspace and settings, and reads the login URL it
 * prints. The trainer it launches is the real one (a forked Node process), no mocks.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

export const REPO = resolve(import.meta.dirname, '../..')
export const RENDERER_ROOT = resolve(REPO, 'out/renderer')

export interface RunningHost {
  /** http://127.0.0.1:PORT/ */
  url: string
  /** url with ?token=…, as printed. */
  loginUrl: string
  token: string
  process: ChildProcess
  /** Everything the host wrote, for failure messages. */
  output(): string
  stop(): Promise<void>
}

export async function startHost(options: { workspace: string; settingsFile: string }): Promise<RunningHost> {
  if (!existsSync(resolve(RENDERER_ROOT, 'index.html'))) {
    throw new Error(
      `${RENDERER_ROOT}/index.html is missing: build the renderer first (npm run build, or npx electron-vite build)`
    )
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/index.ts', '--workspace', options.workspace], {
    cwd: REPO,
    env: { ...process.env, DSOFTMAX_SETTINGS: options.settingsFile },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const loginUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host printed no URL within 60 s:\n${output}`)), 60_000)
    const check = (): void => {
      const match = /web host: (http:\/\/\S+\?token=\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`web host exited with code ${code} before printing its URL:\n${output}`))
    })
  })
  const parsed = new URL(loginUrl)
  const token = parsed.searchParams.get('token') ?? ''
  return {
    url: `${parsed.origin}/`,
    loginUrl,
    token,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done()
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000)
        child.once('exit', () => {
          clearTimeout(force)
          done()
        })
        child.kill('SIGTERM')
      })
  }
}
