import { builtinModules } from 'node:module'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import prettierOff from 'eslint-config-prettier/flat'

/** Only src/main/ipc.ts and src/preload/index.ts touch Electron's IPC objects. */
const RAW_IPC = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Use the typed contract helpers in src/main/ipc.ts and src/preload/index.ts.'
}

/**
 * An import that climbs (`../`) into one of the named top-level folders of src. The rule sees
 * the import as written, so this matches by path: `../core/x` from src/common, `../../../main`
 * from deep in the renderer.
 */
function climbsInto(folders, message) {
  return { regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message }
}

const NODE_BUILTINS = {
  regex: `^(node:|(${builtinModules.join('|')})(/|$))`,
  message: 'Node built-ins do not exist in the renderer: keep this module free of them (host-side code goes in src/services).'
}

/** The layering: what each process's code may import. */
function restrictedImports(patterns, extraPaths = []) {
  return ['error', { paths: [RAW_IPC, ...extraPaths], patterns }]
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'workspace/**', 'bench/results/**', 'resources/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } }
  },
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', window: 'readonly', document: 'readonly' }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': restrictedImports([])
    }
  },
  {
    // Shared by every process, the renderer included: nothing host-side, nothing Node-only.
    files: ['src/common/**'],
    rules: {
      'no-restricted-imports': restrictedImports([
        climbsInto(
          ['core', 'services', 'main', 'server', 'cli', 'renderer', 'preload'],
          'src/common is shared by every process: it imports only src/common (and zod).'
        ),
        NODE_BUILTINS
      ])
    }
  },
  {
    // The engine runs headless (CLI, trainer process, workers): it knows no host or service.
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': restrictedImports([
        climbsInto(
          ['services', 'main', 'server', 'cli', 'renderer', 'preload'],
          'src/core is the headless engine: hosts and services use it, never the reverse.'
        )
      ])
    }
  },
  {
    // The web host runs without Electron: what it shares with the desktop shell lives in src/services or src/common.
    files: ['src/server/**'],
    rules: {
      'no-restricted-imports': restrictedImports([
        climbsInto(
          ['main', 'preload', 'renderer'],
          'The web host must not depend on the Electron shell (or the renderer): move what both need to src/services or src/common.'
        )
      ])
    }
  },
  {
    // The renderer talks to its host through the contract only.
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': restrictedImports(
        [
          climbsInto(
            ['core', 'services', 'main', 'server', 'cli', 'preload'],
            'The renderer imports only src/common and its own files: reach the host through the contract API.'
          ),
          NODE_BUILTINS
        ],
        [{ name: 'electron', message: 'The renderer has no Electron: reach the host through the contract API (window.api).' }]
      )
    }
  },
  {
    files: ['src/main/ipc.ts', 'src/preload/index.ts'],
    rules: { 'no-restricted-imports': 'off' }
  },
  // Prettier owns layout: lint rules about formatting are off.
  prettierOff
)
