// `npm run cli -- models`: every backbone listed with the counts of its spec, as text and JSON.
import { describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/cli'
import type { CliIo } from '../../../src/cli/io'
import { BACKBONE_NAMES, backboneSpec, specCost } from '../../../src/core/models'
import type { ModelRow } from '../../../src/cli/commands/models'

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTty: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s)
  }
  return io
}

describe('cli models', () => {
  it('lists every backbone with its parameters and MACs (JSON)', async () => {
    const io = capture()
    expect(await main(['models', '--json'], io)).toBe(0)
    const rows = JSON.parse(io.out) as ModelRow[]
    expect(rows.map((r) => r.name)).toEqual([...BACKBONE_NAMES])
    const mfn = rows.find((r) => r.name === 'mobilefacenet') as ModelRow
    const cost = specCost(backboneSpec('mobilefacenet', { embeddingDim: 128 }))
    expect(mfn).toMatchObject({ input: [112, 112, 3], embeddingDim: 128, parameters: cost.parameters, macs: cost.macs })
    expect(rows.find((r) => r.name === 'ir-50')?.embeddingDim).toBe(512)
  })

  it('prints a table, one line per backbone, and honours --embedding', async () => {
    const io = capture()
    expect(await main(['models', '--embedding', '64'], io)).toBe(0)
    const lines = io.out.trim().split('\n')
    expect(lines).toHaveLength(BACKBONE_NAMES.length + 1)
    const ir50 = lines.find((l) => l.startsWith('ir-50')) as string
    const params = specCost(backboneSpec('ir-50', { embeddingDim: 64 })).parameters
    expect(ir50).toContain(`${(params / 1e6).toFixed(2)} M`)
    expect(ir50).toMatch(/\s64\s/)
  })

  it('rejects a bad size with a usage error', async () => {
    const io = capture()
    expect(await main(['models', '--embedding', 'x'], io)).toBe(2)
    expect(io.err).toContain('--embedding must be a whole number')
  })
})
