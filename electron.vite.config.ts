import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import { buildCsp } from './src/services/csp'

/**
 * electron-vite derives its Node target and output format from the installed Electron's
 * major version, and fails when `electron` is not installed (its binary cannot be
 * downloaded on some machines; it is an optionalDependency). Then we tell it the major
 * version from package.json's declared range instead. An installed Electron always wins.
 */
function electronMajorVersion(): string {
  const require = createRequire(import.meta.url)
  try {
    return String((require('electron/package.json') as { version: string }).version).split('.')[0]
  } catch {
    const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as {
      dependencies?: Record<string, string>
      devDependencies?: Record<string, string>
      optionalDependencies?: Record<string, string>
    }
    const range = pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron ?? pkg.dependencies?.electron
    const major = range ? /\d+/.exec(range)?.[0] : undefined
    if (!major) throw new Error('electron.vite.config: Electron is not installed and package.json declares no version')
    return major
  }
}
process.env.ELECTRON_MAJOR_VER ||= electronMajorVersion()

/** In `electron-vite dev`, swap the production CSP in index.html for the development one. */
function devCspPlugin(): Plugin {
  return {
    name: 'dsoftmax:dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(
        /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/,
        `$1${buildCsp({ mode: 'development', delivery: 'meta' })}$2`
      )
    }
  }
}

export default defineConfig({
  main: {
    build: {
      // Dependencies stay in node_modules (require/import at runtime); only our code is bundled.
      // The engine's utility-process entry (src/core, via `?modulePath`) is added by a later issue.
      externalizeDeps: true,
      rolldownOptions: {
        // jobWorker: the engine-job worker thread (src/services/jobs), started beside index.js.
        // chunks/*Worker: the engine's worker threads, started by chunks (the trainer process,
        // the shared engine chunk) as `new URL('./<name>.js', import.meta.url)` beside themselves.
        input: {
          index: resolve('src/main/index.ts'),
          jobWorker: resolve('src/services/jobs/worker.ts'),
          'chunks/loaderWorker': resolve('src/core/data/loaderWorker.ts'),
          'chunks/gradientWorker': resolve('src/core/train/gradientWorker.ts'),
          // Started as '../align/alignWorker' from the chunk that holds src/core/data/workerThread.
          'align/alignWorker': resolve('src/core/align/alignWorker.ts')
        }
      }
    }
  },
  preload: {
    build: {
      // Bundle the preload's dependencies (zod, via the contract): a sandboxed preload can
      // `require` only electron, so an external would leave window.api undefined.
      // test/security/builtApp.test.ts runs the built preload with such a require.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads run as classic scripts: CommonJS, one file, only `require('electron')`.
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false }
      }
    }
  },
  renderer: {
    root: resolve('src/renderer'),
    resolve: {
      alias: { '@renderer': resolve('src/renderer/src') }
    },
    build: {
      // electron-vite 6 leaves the Chromium target empty; this is safe for Electron ≥ 33.
      target: 'chrome130',
      rolldownOptions: {
        input: { index: resolve('src/renderer/index.html') }
      }
    },
    plugins: [vue(), devCspPlugin()]
  }
})
