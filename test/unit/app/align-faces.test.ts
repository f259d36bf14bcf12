// `datasets:align` through the services as the hosts build them, with the real job worker: photos
// in, aligned crops out, rejects with their thumbnails and reasons, the aligned folder added to
// the workspace's datasets; and the contract refuses what a renderer must not send.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContractError, parseRequest, parseResponse, type EventChannel } from '../../../src/common/contract'
import { createServices, type Services } from '../../../src/services/index'
import { writeFacePhotos } from '../align/fixtures'

let dir: string
let services: Services
const emitted: { event: EventChannel; payload: unknown }[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsoftmax-align-service-'))
  const photos = writeFacePhotos().dir
  mkdirSync(join(dir, 'photos', 'astronaut'), { recursive: true })
  mkdirSync(join(dir, 'photos', 'other'), { recursive: true })
  copyFileSync(join(photos, 'astronaut.png'), join(dir, 'photos', 'astronaut', 'a.png'))
  copyFileSync(join(photos, 'coffee.png'), join(dir, 'photos', 'other', 'coffee.png'))
  copyFileSync(join(photos, 'pair.png'), join(dir, 'photos', 'other', 'pair.png'))
  services = createServices({
    settingsFile: join(dir, 'settings.json'),
    defaultWorkspace: join(dir, 'workspace'),
    appInfo: () => ({ name: 'x', version: '1', node: '20', platform: 'linux' }),
    emit: (event, payload) => emitted.push({ event, payload }),
    launchTrainer: () => {
      throw new Error('no trainer in this test')
    }
  })
}, 60_000)

afterAll(async () => {
  await services.shutdown()
  rmSync(dir, { recursive: true, force: true })
})

describe('datasets:align', () => {
  it('aligns in the job worker, shows crops and rejects, and adds the aligned folder as a dataset', async () => {
    const request = parseRequest('datasets:align', [
      { source: join(dir, 'photos'), target: join(dir, 'aligned'), multiFace: 'skip', taskId: 'align-1' }
    ])
    const result = parseResponse('datasets:align', await services.handlers['datasets:align'](request))
    expect(result.status).toBe('complete')
    expect(result.aligned).toBe(1)
    expect(result.crops.map((c) => c.path)).toEqual(['astronaut/a.png'])
    expect(result.crops[0].dataUrl).toMatch(/^data:image\/png;base64,iVBOR/)
    expect(result.rejected.map((r) => [r.source, r.reason])).toEqual([
      ['other/coffee.png', 'no-face'],
      ['other/pair.png', 'several-faces']
    ])
    expect(result.rejected.every((r) => r.dataUrl?.startsWith('data:image/png;base64,'))).toBe(true)
    expect(result.entry).toMatchObject({ path: join(dir, 'aligned'), format: 'folder', identities: 1, images: 1 })
    expect((await services.handlers['datasets:list'](undefined)).some((d) => d.path === join(dir, 'aligned'))).toBe(true)
    expect(emitted.some((e) => e.event === 'task:progress')).toBe(true)
  }, 180_000)

  it('the contract refuses relative paths and unknown policies', () => {
    expect(() => parseRequest('datasets:align', [{ source: 'photos', target: '/tmp/x' }])).toThrow(ContractError)
    expect(() => parseRequest('datasets:align', [{ source: '/a', target: '/b', multiFace: 'all' }])).toThrow(ContractError)
    expect(() => parseRequest('datasets:align', [{ source: '/a', target: '/b', size: 8 }])).toThrow(ContractError)
  })
})
