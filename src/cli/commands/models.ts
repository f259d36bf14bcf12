// `models`: the backbones the engine offers, with their parameter counts and MACs per image,
// computed from the architecture alone (nothing is built, so IR-50 lists instantly).
import { parseArgs } from 'node:util'
import { BACKBONE_INFO, BACKBONE_NAMES, backboneSpec, specCost, type BackboneName } from '../../core/models'
import { UsageError, type CliIo } from '../io'

export const MODELS_USAGE = `Usage: npm run cli -- models [options]
  --embedding N   embedding size for every backbone (default: each one's usual size)
  --input N       input side in pixels (default: each one's design input; reference-net is fixed)
  --json          one JSON array on stdout
Parameters count trainable values (as PyTorch's parameters() does); batch-norm running statistics
are listed apart. MACs are multiply-accumulates of one forward pass for one image.
`

export interface ModelRow {
  name: BackboneName
  input: [number, number, number]
  embeddingDim: number
  parameters: number
  bnState: number
  macs: number
  description: string
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1, got "${value}"`)
  return n
}

export function modelRows(options: { embeddingDim?: number; inputSize?: number } = {}): ModelRow[] {
  return BACKBONE_NAMES.map((name) => {
    const info = BACKBONE_INFO[name]
    const spec = backboneSpec(name, {
      embeddingDim: options.embeddingDim ?? info.embeddingDim,
      inputSize: options.inputSize ?? info.input[0],
      channels: info.input[1]
    })
    const cost = specCost(spec)
    return {
      name,
      input: spec.input,
      embeddingDim: cost.output[0],
      parameters: cost.parameters,
      bnState: cost.state,
      macs: cost.macs,
      description: info.description
    }
  })
}

const millions = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : `${(n / 1e6).toFixed(2)} M`)

export function modelsTable(rows: ModelRow[]): string {
  const header = ['backbone', 'input', 'dim', 'parameters', 'MACs/image', 'what it is']
  const cells = rows.map((r) => [
    r.name,
    r.input.join('×'),
    String(r.embeddingDim),
    millions(r.parameters),
    millions(r.macs),
    r.description
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
  const line = (c: string[]): string =>
    c.map((v, i) => (i === c.length - 1 ? v : i >= 2 && i <= 4 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ')
  return [line(header), ...cells.map(line)].join('\n') + '\n'
}

export async function modelsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      embedding: { type: 'string' },
      input: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    io.stdout(MODELS_USAGE)
    return 0
  }
  const rows = modelRows({
    embeddingDim: positiveInt(values.embedding, 'embedding'),
    inputSize: positiveInt(values.input, 'input')
  })
  io.stdout(values.json ? JSON.stringify(rows) + '\n' : modelsTable(rows))
  return 0
}
