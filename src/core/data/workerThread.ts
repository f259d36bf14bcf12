// Starts one of this folder's worker entries, from built .js or, under tsx/vitest, from the .ts
// source through tsx's API (a worker's `--import tsx` does not install its hooks on Node 20).
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export function startWorker(entry: string, workerData: unknown): Worker {
  // The path, not the URL: tsx's tsImport (a job worker) adds a query to the module URL.
  if (!new URL(import.meta.url).pathname.endsWith('.ts'))
    return new Worker(new URL(`./${entry}.js`, import.meta.url), { workerData })
  const tsxApi = pathToFileURL(
    join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')
  ).href
  const source = new URL(`./${entry}.ts`, import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`
  return new Worker(bootstrap, { eval: true, workerData })
}
