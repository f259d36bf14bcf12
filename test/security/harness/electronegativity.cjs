#!/usr/bin/env node
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: it replaces modules in require() before the scanner loads them */
// Runs @doyensec/electronegativity over a folder (argv[2], default src/) with the network cut
// off, and prints one JSON line: the checks loaded, the findings, and any network use that was
// attempted (and refused). Used by test/security/electronegativity.test.ts; also runnable alone:
//   node test/security/harness/electronegativity.cjs src
// Its CLI does not start with the commander version npm installs next to it, so the runner is
// called directly. Two things in it go online: a translations download at start (refused here,
// English is bundled) and AvailableSecurityFixesGlobalCheck (excluded: it fetches Electron's
// release list; the dependency audit in CI covers Electron versions).
const Module = require('node:module')
const path = require('node:path')

const attempts = []
const refuse = (what) =>
  function () {
    attempts.push(`${what} ${String(arguments[0] && (arguments[0].href || arguments[0].host || arguments[0])).slice(0, 120)}`)
    throw new Error(`network use refused in this scan: ${what}`)
  }
for (const name of ['http', 'https']) {
  const mod = require(name)
  mod.request = refuse(`${name}.request`)
  mod.get = refuse(`${name}.get`)
}
const net = require('node:net')
net.connect = net.createConnection = refuse('net.connect')
require('node:tls').connect = refuse('tls.connect')

const load = Module._load
Module._load = function (request) {
  if (request === 'got') {
    const got = (url) => {
      attempts.push(`got ${String(url).slice(0, 120)}`)
      return Promise.reject(new Error('network use refused in this scan'))
    }
    got.head = got
    got.get = got
    return got
  }
  return load.apply(this, arguments)
}

const root = path.resolve(__dirname, '../../..')
const input = path.resolve(root, process.argv[2] || 'src')
const run = require(path.join(root, 'node_modules/@doyensec/electronegativity/dist/runner.js'))
const electronVersion = require(path.join(root, 'package-lock.json')).packages['node_modules/electron'].version

// Its i18n prints a line when the (refused) download fails; keep stdout for the report.
const log = console.log
console.log = (...args) => process.stderr.write(args.join(' ') + '\n')
run({
  input,
  electronVersionOverride: electronVersion,
  excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
  isRelative: true,
  parserPlugins: []
})
  .then((result) => {
    const findings = result.issues.map((issue) => ({
      id: issue.id,
      file: String(issue.file).split(path.sep).join('/'),
      line: issue.location.line,
      severity: issue.severity.name,
      confidence: issue.confidence.name,
      manualReview: Boolean(issue.manualReview),
      description: issue.description
    }))
    log(
      JSON.stringify({
        input,
        electronVersion,
        globalChecks: result.globalChecks,
        atomicChecks: result.atomicChecks,
        errors: result.errors.length,
        findings,
        attempts
      })
    )
  })
  .catch((error) => {
    process.stderr.write(`electronegativity failed: ${error && error.stack}\n`)
    process.exit(1)
  })
