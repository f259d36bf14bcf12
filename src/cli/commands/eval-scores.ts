// `eval-scores --input scores.csv [--json]`: verification metrics from stored per-pair scores.
import { createReadStream } from 'node:fs'
import { parseArgs } from 'node:util'
import { ScoresCsvError, ScoresCsvParser, verificationReport, type ParsedScores } from '../../core/eval'
import { metricsTable } from '../format'

const HELP = `Usage: npm run cli -- eval-scores --input FILE [--json]
Verification metrics (AUC, EER, TAR@FAR, LFW 10-fold accuracy) from a CSV of pairs.
  -i, --input FILE   CSV with columns label,score (header optional); label 1 = same identity,
                     0 = different; score = similarity (higher = more alike). Pair order
                     matters: the 10 folds are contiguous in file order.
      --json         print one JSON object instead of the table
  -h, --help         this text
Exit codes: 0 ok, 1 bad or unreadable input, 2 bad options.
`

/** A single line longer than this is not a label,score row; stop before buffering a whole binary file. */
const MAX_LINE_BYTES = 1 << 20

/** Streams the file line by line into the parser: memory stays at the typed arrays it fills. */
async function readScoresCsv(path: string): Promise<ParsedScores> {
  const parser = new ScoresCsvParser(path)
  let carry: Buffer | undefined
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk
    let start = 0
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl
      parser.pushLine(buf.toString('utf8', start, end))
      start = nl + 1
    }
    carry = start < buf.length ? buf.subarray(start) : undefined
    if (carry && carry.length > MAX_LINE_BYTES) {
      throw new ScoresCsvError(path, undefined, `a line is longer than ${MAX_LINE_BYTES} bytes; not a label,score CSV`)
    }
  }
  if (carry) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length
    parser.pushLine(carry.toString('utf8', 0, end))
  }
  return parser.finish()
}

export async function evalScoresCommand(
  argv: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void }
): Promise<number> {
  let values: { input?: string; json?: boolean; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string', short: 'i' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      },
      allowPositionals: false,
      strict: true
    }))
  } catch (error) {
    io.stderr(`eval-scores: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`)
    return 2
  }
  if (values.help) {
    io.stdout(HELP)
    return 0
  }
  if (!values.input) {
    io.stderr(`eval-scores: --input FILE is required\n\n${HELP}`)
    return 2
  }

  let parsed: ParsedScores
  try {
    parsed = await readScoresCsv(values.input)
  } catch (error) {
    if (error instanceof ScoresCsvError) io.stderr(`eval-scores: ${error.message}\n`)
    else if (error instanceof Error && 'code' in error) io.stderr(`eval-scores: cannot read ${values.input}: ${error.message}\n`)
    else throw error
    return 1
  }

  const report = verificationReport(parsed.labels, parsed.scores)
  if (values.json) {
    // Infinity (a "reject all" fold threshold) is not JSON; it prints as null.
    const notes = {
      bestAccuracy: 'optimistic: threshold fitted on the same pairs it is measured on; use tenFold',
      tenFold: 'LFW protocol, 10 contiguous folds in file order; std is the population std (ddof 0)',
      unreliableFar: 'FAR levels below 10 / impostor pairs: fewer than 10 false accepts, so noise'
    }
    io.stdout(`${JSON.stringify({ input: values.input, ...report, notes }, null, 2)}\n`)
  } else {
    io.stdout(metricsTable(values.input, report))
    io.stdout(
      `  (10-fold: contiguous folds in file order, ± is the population std over folds; ` +
        `fold accuracies ${report.tenFold.folds.map((a) => (100 * a).toFixed(2)).join(' ')})\n`
    )
  }
  return 0
}
