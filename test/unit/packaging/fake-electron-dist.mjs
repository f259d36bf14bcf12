#!/usr/bin/env node
/* global Buffer */
// Writes a stand-in Electron distribution for packaging checks where Electron's binary cannot be
// downloaded: an `electron` "binary" (a shell script) that carries the fuse wire the way real
// Electron binaries do (sentinel, wire version 1, length, one byte per fuse at Electron's
// defaults), so electron-builder can flip the fuses electron-builder.yml asks for.
//   node test/unit/packaging/fake-electron-dist.mjs DIR
//   npx electron-builder --linux dir --config.electronDist=DIR
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
// RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadAppFromAsar,
// BrowserV8Snapshot, GrantFileProtocolExtraPrivileges, WasmTrapHandlers: '1' on, '0' off.
const DEFAULT_WIRE = '101100011'

const dir = resolve(process.argv[2] ?? 'fake-electron-dist')
mkdirSync(join(dir, 'resources'), { recursive: true })
const script = Buffer.from('#!/bin/sh\necho "stand-in Electron: cannot run the app"\nexit 1\n# ')
const wire = Buffer.concat([
  Buffer.from(SENTINEL, 'ascii'),
  Buffer.from([1, DEFAULT_WIRE.length]),
  Buffer.from(DEFAULT_WIRE, 'ascii'),
  Buffer.from('\n')
])
writeFileSync(join(dir, 'electron'), Buffer.concat([script, wire]))
chmodSync(join(dir, 'electron'), 0o755)
writeFileSync(join(dir, 'version'), '45.5.0')
console.log(`stand-in Electron distribution written to ${dir}`)
