/* global setImmediate */
// Loads the built main process (argv[2], e.g. out/main/index.js) under plain Node with the
// Electron stand-in, drives the handlers it installed, and prints one JSON report line
// (prefixed REPORT:) for test/security/builtMain.test.ts.
import { pathToFileURL } from 'node:url'

const mainFile = process.argv[2]
const rendererIndex = process.argv[3]
const report = { loaded: false, errors: [] }

process.on('uncaughtException', (e) => report.errors.push(`uncaught: ${e?.stack ?? e}`))
process.on('unhandledRejection', (e) => report.errors.push(`unhandled: ${e?.stack ?? e}`))

function fakeEvent() {
  const event = { prevented: false, preventDefault: () => (event.prevented = true) }
  return event
}

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

// The contract's own refusals, which the renderer rebuilds as ContractError (src/common/envelope.ts).
const CONTRACT_ERROR_CODES = new Set(['unknown-channel', 'malformed-request', 'malformed-response'])

/** What the renderer would see: a thrown error, or a failure envelope opened as its error. */
async function outcome(promiseLike) {
  try {
    const answer = await promiseLike
    if (answer?.ok === false)
      return {
        ok: false,
        error: `${CONTRACT_ERROR_CODES.has(answer.error.code) ? 'ContractError' : 'HostError'}: ${answer.error.message}`
      }
    return { ok: true, value: answer?.ok === true ? answer.value : answer }
  } catch (e) {
    return { ok: false, error: `${e?.name}: ${e?.message}` }
  }
}

try {
  await import(pathToFileURL(mainFile).href)
  report.loaded = true
  await settle()
  const stub = globalThis.__electronStub

  report.windows = stub.windows.map((w) => ({ options: w.options, loaded: w.window.loaded }))

  // Every WebContents the app ever creates: what its handlers do to navigation and new windows.
  const contents = stub.createWebContents()
  for (const listener of stub.appListeners.get('web-contents-created') ?? []) listener(fakeEvent(), contents)
  report.contents = {}
  for (const name of ['will-navigate', 'will-redirect', 'will-frame-navigate', 'will-attach-webview']) {
    const event = fakeEvent()
    contents.emit(name, event, 'https://attacker.example/', {})
    report.contents[name] = { listeners: (contents.listeners.get(name) ?? []).length, prevented: event.prevented }
  }
  report.contents.windowOpen = contents.windowOpenHandlers.map((fn) =>
    fn({ url: 'https://attacker.example/', frameName: '', features: '' })
  )

  // The session: the CSP header replaces whatever a response carried; every permission refused.
  const headersReceived = stub.sessionState.headersReceived
  report.headers = null
  if (headersReceived) {
    await new Promise((resolve) =>
      headersReceived(
        { url: 'file:///x/index.html', responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Kept': ['1'] } },
        (answer) => {
          report.headers = answer.responseHeaders
          resolve()
        }
      )
    )
  }
  report.permissions = {}
  if (stub.sessionState.permissionRequest) {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      await new Promise((resolve) =>
        stub.sessionState.permissionRequest(
          contents,
          permission,
          (granted) => {
            report.permissions[permission] = granted
            resolve()
          },
          {}
        )
      )
    }
  }
  report.permissionCheck = stub.sessionState.permissionCheck
    ? stub.sessionState.permissionCheck(contents, 'media', 'file://', {})
    : null

  // IPC: every channel the main process registered, from a foreign frame and with bad input.
  const trusted = pathToFileURL(rendererIndex).href
  report.ipc = {}
  for (const [channel, handler] of stub.ipcHandlers) {
    const untrusted = await outcome(handler({ senderFrame: { url: 'https://attacker.example/' } }, undefined))
    const noFrame = await outcome(handler({ senderFrame: null }))
    const junk = await outcome(
      handler({ senderFrame: { url: trusted } }, { __proto__: { polluted: true }, path: '../../etc/passwd' }, 'extra')
    )
    report.ipc[channel] = { untrusted, noFrame, junk }
  }
  report.forksAtStartup = stub.forks.length
  report.polluted = {}.polluted === true
} catch (e) {
  report.errors.push(`load: ${e?.stack ?? e}`)
}

process.stdout.write(`REPORT:${JSON.stringify(report)}\n`)
process.exit(0)
