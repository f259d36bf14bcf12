/**
 * `npm run serve`: the app in a browser. Serves the built renderer (out/renderer, from
 * `npx electron-vite build`) and the contract on 127.0.0.1, and prints the URL with its token.
 *
 *   npm run serve -- [--port N] [--host ADDR --allow-remote [--public-name NAME]…] [--workspace DIR] [--root DIR]
 *
 * Headless GPU server: `--host 0.0.0.0 --allow-remote` answers LAN clients at the machine's IP
 * address; or keep the default 127.0.0.1 and tunnel: `ssh -L 9000:127.0.0.1:<port> gpu-box`,
 * then open http://localhost:9000/?token=… (any local port works).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { networkInterfaces } from 'node:os'
import { parseArgs } from 'node:util'
import { createWebServices } from './host'
import { startWebHost } from './server'

const USAGE = `Usage: npm run serve -- [options]
  --port N          port to listen on (default: a random free port)
  --host ADDR       address to listen on (default 127.0.0.1)
  --allow-remote    allow an address beyond loopback (anyone who gets the token controls the app);
                    clients may then reach it by any IP address of this machine
  --public-name N   with --allow-remote, also answer to the DNS name N (e.g. gpu-box.lan); repeatable
  --workspace DIR   workspace folder (default: the last one opened, else the user's data folder)
  --root DIR        built renderer folder (default out/renderer)
  --token T         use this token instead of a random one (tests; keep it secret)
`

/** This machine's non-loopback addresses, as a URL names them. */
function remoteAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal)
    .map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address))
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'public-name': { type: 'string', multiple: true },
      workspace: { type: 'string' },
      root: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a whole number 0–65535, got "${values.port}"\n`)
    return 2
  }
  const root = resolve(values.root ?? fileURLToPath(new URL('../../out/renderer', import.meta.url)))
  if (!existsSync(resolve(root, 'index.html'))) {
    process.stderr.write(`${root}/index.html is missing: build the renderer first (npx electron-vite build)\n`)
    return 2
  }
  const host = await startWebHost({
    root,
    host: values.host,
    port,
    allowRemote: values['allow-remote'] === true,
    publicNames: values['public-name'] ?? [],
    ...(values.token ? { token: values.token } : {}),
    services: (emit) => createWebServices(emit, values.workspace ? { workspace: resolve(values.workspace) } : {})
  })
  process.stdout.write(`D-Softmax Studio web host: ${host.loginUrl}\n`)
  if (values['allow-remote']) {
    for (const address of remoteAddresses())
      process.stdout.write(`  from another machine: http://${address}:${host.port}/?token=${host.token}\n`)
  }
  let closing = false
  const shutdown = (): void => {
    if (closing) return
    closing = true
    process.stdout.write('stopping (running trainings write a checkpoint first)…\n')
    host.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  return -1
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
)
