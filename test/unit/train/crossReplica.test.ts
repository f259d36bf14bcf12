// The batch-norm exchange between data-parallel replicas: sums in replica order across threads
// (two worker threads and this one, many calls in a row through the alternating halves), and a
// replica that fails releases the others instead of leaving them at the barrier.
import { describe, expect, it } from 'vitest'
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MAX_EXCHANGE_VALUES, ReplicaExchange, exchangeBuffer } from '../../../src/core/train/crossReplica'

/** A worker thread that makes `calls` sums of [index + call, 1] as replica `index` (the real class, loaded through tsx) and posts what it got. */
function summingThread(buffer: SharedArrayBuffer, index: number, replicas: number, calls: number): Promise<number[][]> {
  const tsxApi = pathToFileURL(
    join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')
  ).href
  const module = new URL('../../../src/core/train/crossReplica.ts', import.meta.url).href
  const source = `
    const { parentPort, workerData: { buffer, index, replicas, calls } } = await import('node:worker_threads')
    const tsx = await import(${JSON.stringify(tsxApi)})
    const { ReplicaExchange } = await tsx.tsImport(${JSON.stringify(module)}, ${JSON.stringify(module)})
    const exchange = new ReplicaExchange(buffer, index, replicas, 1 / replicas)
    const results = []
    for (let call = 0; call < calls; call++) results.push(Array.from(exchange.sum([index + call, 1])))
    parentPort.postMessage(results)`
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), {
    workerData: { buffer, index, replicas, calls }
  })
  return new Promise((resolve, reject) => {
    worker.once('message', (results: number[][]) => {
      void worker.terminate()
      resolve(results)
    })
    worker.once('error', reject)
  })
}

describe('ReplicaExchange', () => {
  it("adds every replica's values, call after call, the same on every thread", async () => {
    const replicas = 3
    const calls = 50
    const buffer = exchangeBuffer(replicas)
    const others = [summingThread(buffer, 1, replicas, calls), summingThread(buffer, 2, replicas, calls)]
    const own = new ReplicaExchange(buffer, 0, replicas, 1 / 3)
    const mine: number[][] = []
    for (let call = 0; call < calls; call++) mine.push(Array.from(own.sum([call, 1])))
    // Σ over replicas r of (r + call) = 3·call + 3, and three ones.
    expect(mine).toEqual(Array.from({ length: calls }, (_, call) => [3 * call + 3, 3]))
    for (const theirs of await Promise.all(others)) expect(theirs).toEqual(mine)
  })

  it('throws at the barrier once another replica has failed, rather than waiting for it', () => {
    const buffer = exchangeBuffer(2)
    new ReplicaExchange(buffer, 1, 2, 0.5).fail()
    expect(() => new ReplicaExchange(buffer, 0, 2, 0.5).sum([1, 2])).toThrow(
      /another data-parallel replica failed during this step/
    )
  })

  it('refuses more values than a slot holds', () => {
    expect(() => new ReplicaExchange(exchangeBuffer(1), 0, 1, 1).sum(new Float64Array(MAX_EXCHANGE_VALUES + 1))).toThrow(
      /at most 8192 fit/
    )
  })
})
