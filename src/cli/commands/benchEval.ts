// `bench eval`: how the verification metrics scale with the number of pairs (time and memory).
import { parseArgs } from 'node:util'
import { verificationReport } from '../../core/eval'
import { createRng } from '../../core/util/rng'
import { UsageError, type CliIo } from '../io'

export interface EvalBenchResult {
  pairs: number
  seconds: number
  /** Growth of the resident set while the report ran, over the inputs already allocated. */
  extraMegabytes: number
  inputMegabytes: number
}

export async function benchEval(argv: string[], io: CliIo): Promise<EvalBenchResult[]> {
  const { values } = parseArgs({ args: argv, options: { pairs: { type: 'string' } } })
  const sizes = (values.pairs ?? '1000000,10000000').split(',').map(Number)
  if (!sizes.every((n) => Number.isInteger(n) && n >= 2)) throw new UsageError('--pairs takes whole numbers ≥ 2, comma-separated')
  io.stdout('Verification metrics (ROC, AUC, EER, TAR@FAR, best accuracy, 10-fold) on random scores with ties:\n')
  const results: EvalBenchResult[] = []
  for (const pairs of sizes) {
    const rng = createRng(pairs)
    const labels = new Uint8Array(pairs)
    const scores = new Float32Array(pairs)
    for (let i = 0; i < pairs; i++) {
      labels[i] = i % 2
      // Rounded to 1e-4 so that many pairs tie, as real cosine scores stored as float32 do.
      scores[i] = Math.round((rng.normal() + labels[i]) * 1e4) / 1e4
    }
    const rssBefore = process.memoryUsage().rss
    let peak = rssBefore
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
    const start = performance.now()
    const report = verificationReport(labels, scores)
    const seconds = (performance.now() - start) / 1000
    clearInterval(sampler)
    peak = Math.max(peak, process.memoryUsage().rss)
    const result = { pairs, seconds, extraMegabytes: (peak - rssBefore) / 2 ** 20, inputMegabytes: (labels.byteLength + scores.byteLength) / 2 ** 20 }
    results.push(result)
    io.stdout(
      `  ${pairs.toLocaleString('en')} pairs: ${seconds.toFixed(2)} s, ` +
        `${(pairs / seconds / 1e6).toFixed(2)} M pairs/s, +${result.extraMegabytes.toFixed(0)} MB resident over ${result.inputMegabytes.toFixed(0)} MB of input ` +
        `(${((result.extraMegabytes * 2 ** 20) / pairs).toFixed(0)} bytes/pair); AUC ${report.auc.toFixed(4)}\n`
    )
  }
  return results
}
