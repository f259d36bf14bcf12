/// <reference types="electron-vite/node" />
/**
 * Where the built trainer-process entry is. electron-vite's `?modulePath` import bundles
 * src/core/train/process/trainerProcess.ts as its own chunk of the main build and gives its
 * path, which utilityProcess.fork starts. Kept apart from trainer.ts so tests can import that
 * without the bundler.
 */
import builtTrainerPath from '../../core/train/process/trainerProcess?modulePath'
import { trainerEntryPath } from '../../core/appPaths'

/** Checked at startup (src/core/appPaths.ts): a package without its trainer fails naming the file. */
export const trainerModulePath = trainerEntryPath(builtTrainerPath)
