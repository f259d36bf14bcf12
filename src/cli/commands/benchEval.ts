// `bench eval`: how the verification metrics scale with the number of pairs (time and memory).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
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

/** Runs one size in this process and measures the peak resident memory the report adds. */
function measureOnce(pairs: number): EvalBenchResult & { auc: number } {
  const rng = createRng(pairs)
  const labels = new Uint8Array(pairs)
  const scores = new Float32Array(pairs)
  for (let i = 0; i < pairs; i++) {
    labels[i] = i % 2
    // Float32 like stored cosine scores: nearly all distinct, the worst case for the ROC's size.
    scores[i] = rng.normal() + labels[i]
  }
  // maxRSS is the process's high-water mark (KiB): its growth is what the report needed beyond
  // everything already allocated, inputs included.
  const peakBefore = process.resourceUsage().maxRSS
  const start = performance.now()
  const report = verificationReport(labels, scores)
  const seconds = (performance.now() - start) / 1000
  const extraMegabytes = (process.resourceUsage().maxRSS - peakBefore) / 1024
  return { pairs, seconds, extraMegabytes, inputMegabytes: (labels.byteLength + scores.byteLength) / 2 ** 20, auc: report.auc }
}

/** Each size runs in a fresh process, so one measurement's memory does not hide the next one's. */
function measureInChild(pairs: number): Promise<EvalBenchResult & { auc: number }> {
  const entry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../index.ts' : '../index.js', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = fork(entry, ['bench', 'eval', '--pairs', String(pairs), '--child'], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc']
    })
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`eval benchmark child exited with code ${code}`))
    )
  })
}

export async function benchEval(argv: string[], io: CliIo): Promise<EvalBenchResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: { pairs: { type: 'string' }, child: { type: 'boolean' }, quick: { type: 'boolean' } }
  })
  const sizes = (values.pairs ?? (values.quick ? '1000000' : '1000000,10000000')).split(',').map(Number)
  if (!sizes.every((n) => Number.isInteger(n) && n >= 2)) throw new UsageError('--pairs takes whole numbers ≥ 2, comma-separated')
  if (values.child) {
    io.stdout(JSON.stringify(measureOnce(sizes[0])))
    return []
  }
  io.stdout('Verification metrics (ROC, AUC, EER, TAR@FAR, best accuracy, 10-fold) on random float32 scores:\n')
  const results: EvalBenchResult[] = []
  for (const pairs of sizes) {
    const result = await measureInChild(pairs)
    results.push(result)
    io.stdout(
      `  ${pairs.toLocaleString('en')} pairs: ${result.seconds.toFixed(2)} s, ${(pairs / result.seconds / 1e6).toFixed(2)} M pairs/s; ` +
        `peak memory +${result.extraMegabytes.toFixed(0)} MB over ${result.inputMegabytes.toFixed(0)} MB of input ` +
        `(${((result.extraMegabytes * 2 ** 20) / pairs).toFixed(0)} bytes/pair); AUC ${result.auc.toFixed(4)}\n`
    )
  }
  return results
}
