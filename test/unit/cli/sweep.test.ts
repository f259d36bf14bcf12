// `sweep run --dry-run`: the recipe options are train's, --field values are typed, and a bad
// field is a usage error naming it (exit status 2), before anything is written.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/cli'
import type { CliIo } from '../../../src/cli/io'
import { parseField } from '../../../src/cli/commands/sweep'

const workspace = mkdtempSync(join(tmpdir(), 'dsoftmax-sweep-cli-'))
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

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

describe('sweep run --dry-run', () => {
  it('reads --field values as numbers, true/false or text', () => {
    expect(parseField('lossParams.d=0.8, 0.9,1e-1')).toEqual({ field: 'lossParams.d', values: [0.8, 0.9, 0.1] })
    expect(parseField('loss=dsoftmax,normface')).toEqual({ field: 'loss', values: ['dsoftmax', 'normface'] })
    expect(parseField('evalFlip=true,false')).toEqual({ field: 'evalFlip', values: [true, false] })
    expect(() => parseField('lossParams.d')).toThrow(/--field wants PATH=V1,V2/)
  })

  it('expands the train options plus the fields into named recipes', async () => {
    const io = capture()
    const argv = [
      'sweep',
      'run',
      '--preset',
      'fonts-quick',
      '--steps',
      '7',
      '--field',
      'lossParams.d=0.8,0.9',
      '--field=lossParams.s=16,32',
      '--dry-run',
      '--json',
      '--out',
      workspace
    ]
    expect(await main(argv, io)).toBe(0)
    const { runs } = JSON.parse(io.out) as { runs: { name: string; recipe: { steps: number; lossParams: object } }[] }
    expect(runs.map((r) => r.name)).toEqual(['d-0.8_s-16', 'd-0.8_s-32', 'd-0.9_s-16', 'd-0.9_s-32'])
    expect(runs.every((r) => r.recipe.steps === 7)).toBe(true)
    expect(runs[1].recipe.lossParams).toEqual({ s: 32, d: 0.8 })
    expect(existsSync(join(workspace, 'sweeps'))).toBe(false)
  })

  it('refuses an unknown field or bad Slurm option with a message naming it', async () => {
    const io = capture()
    expect(await main(['sweep', 'run', '--preset', 'fonts-quick', '--field', 'lossParams.dd=1', '--out', workspace], io)).toBe(2)
    expect(io.err).toMatch(/^error: invalid sweep: "lossParams\.dd": lossParams has no knob "dd"/)
    const slurm = capture()
    expect(
      await main(['sweep', 'run', '--field', 'seed=1,2', '--scheduler', 'slurm', '--time', 'soon', '--out', workspace], slurm)
    ).toBe(2)
    expect(slurm.err).toMatch(/time limit "soon" is not a Slurm time/)
    expect(existsSync(join(workspace, 'sweeps'))).toBe(false)
  })
})
