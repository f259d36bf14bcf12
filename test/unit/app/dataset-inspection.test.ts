/**
 * Dataset inspection runs in a worker thread of its own, with a capped heap: the host's event loop
 * keeps turning while a 300,000-record .rec (written by Python) is inspected, a cancelled
 * inspection ends its worker, and an inspection that needs more memory than the cap fails alone,
 * saying so, while the host carries on and inspects the next dataset.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DatasetsService, workerInspector } from '../../../src/services/datasets'
import type { ServiceContext } from '../../../src/services/context'
import { TaskRegistry } from '../../../src/services/tasks'
import { PYTHON } from '../../helpers/python'
import { tempDir } from '../data/fixtures'

const WRITER = fileURLToPath(new URL('../../../scripts/write-large-rec.py', import.meta.url))
const FIXTURES = fileURLToPath(new URL('../../../scripts/data-fixtures.py', import.meta.url))
let dir: string
let rec: string
let folder: string
let tasks: TaskRegistry
let service: DatasetsService

beforeAll(async () => {
  dir = tempDir('dsoftmax-inspection-')
  rec = join(dir, 'large', 'train.rec')
  mkdirSync(join(dir, 'large'))
  execFileSync(PYTHON, [WRITER, rec, '300000', '3000', '--fast', '--size', '4'])
  folder = join(dir, 'faces')
  for (const name of ['ann', 'bob']) {
    mkdirSync(join(folder, name), { recursive: true })
    for (let i = 0; i < 2; i++)
      await sharp(Buffer.alloc(8 * 8 * 3, 60 * i + name.length), { raw: { width: 8, height: 8, channels: 3 } })
        .png()
        .toFile(join(folder, name, `${i}.png`))
  }
  // Cancels a task once its worker says it has started parsing (its label is "Inspecting …").
  tasks = new TaskRegistry((event, payload) => {
    const p = payload as { taskId: string; label: string; phase: string }
    if (event === 'task:progress' && p.taskId === 'cancel-me' && p.phase === 'running' && p.label.startsWith('Inspecting '))
      setImmediate(() => tasks.cancel(p.taskId))
  })
  const ctx: ServiceContext = { workspace: () => join(dir, 'workspace'), emit: () => {}, tasks, isTraining: () => false }
  service = new DatasetsService(ctx)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('dataset inspection off the main thread', () => {
  it('inspects 300,000 records while the host event loop keeps turning', async () => {
    let turns = 0
    let settled = false
    const tick = (): void => {
      turns++
      if (!settled) setTimeout(tick, 1)
    }
    setTimeout(tick, 1)
    const report = await service.inspect(rec).finally(() => (settled = true))
    expect(report).toMatchObject({ format: 'recordio', identities: 3000, images: 300_000, sampled: 100_000 })
    expect(report.thumbnails.length).toBe(8)
    // Parsing on this thread would hold the loop for the whole inspection (a turn or two).
    expect(turns).toBeGreaterThan(50)
  })

  it('an inspection cancelled while parsing ends with "cancelled", and the next one runs', async () => {
    const cancelled = tasks.run('cancel-me', 'inspect', (task) => service.inspect(rec, { task }))
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' })
    await expect(service.inspect(folder)).resolves.toMatchObject({ identities: 2, images: 4 })
  })

  it('past its memory cap an inspection fails alone, saying why; the host inspects the next dataset', async () => {
    const capped = workerInspector(24)
    await expect(capped(rec, false)).rejects.toMatchObject({
      code: 'failed',
      message: expect.stringMatching(/needed more memory than its worker may use \(24 MiB of JavaScript heap\)/)
    })
    await expect(capped(folder, false)).resolves.toMatchObject({ identities: 2, images: 4 })
  })

  it("a malformed file is the request's fault, named in the answer", async () => {
    const bad = join(dir, 'bad.rec')
    execFileSync(PYTHON, [FIXTURES, 'hostile-rec', 'header-range-1e9', bad])
    await expect(service.inspect(bad)).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/bad\.rec: header record 0 declares/)
    })
  })
})
