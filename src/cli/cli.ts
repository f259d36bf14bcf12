// Command dispatch for the headless CLI; src/cli/index.ts is the process entry.
import { processIo, UsageError, type CliIo } from './io'
import { trainCommand } from './commands/train'
import { runsCommand } from './commands/runs'
import { evalScoresCommand } from './commands/eval-scores'
import { benchCommand } from './commands/bench'
import { backendCommand } from './commands/backend'
import { datasetCommand } from './commands/dataset'
import { modelsCommand } from './commands/models'
import { studyCommand } from './commands/study'
import { exportCommand } from './commands/export'
import { embedCommand } from './commands/embed'
import { sweepCommand } from './commands/sweep'

const USAGE = `D-Softmax Studio, headless.
Usage: npm run cli -- <command> [options]     (add --help after a command for its options)
  train         train a model in a trainer process (--preset, --loss, --data, --resume RUN, --out …)
  demo          train the default preset (D-Softmax) and print the test metrics
  runs          the workspace's runs: list, show, compare, rename, tag, delete (resume: train --resume RUN)
  eval-scores   verification metrics from a label,score CSV (--input FILE [--json])
  bench         benchmarks: bench train|data|head|eval|align; without a group all of them (--quick each, or --full)
                into one JSON + Markdown under bench/results/
  backend       which TensorFlow.js backend would be used, and why
  dataset       inspect a dataset, convert folder ↔ .rec, make a .bin, align face photos (inspect|convert|make-bin|align)
  models        the backbones with their parameter counts and MACs per image (--json)
  study         built-in studies: study figure1 (the paper's Figure 1: Softmax vs D-Softmax angles in 3-D)
  export        a run's model to ONNX (validated in ONNX Runtime), TF.js, embeddings .npy/CSV
  embed         embeddings of images from a run or an ONNX file, cosine of two (--run|--onnx)
  sweep         many runs over a grid of recipe values, on this machine or a Slurm cluster (run|status|cancel|requeue|compare)
`

type Command = (argv: string[], io: CliIo) => Promise<number>

const COMMANDS: Record<string, Command> = {
  train: (argv, io) => trainCommand(argv, io, 'train'),
  demo: (argv, io) => trainCommand(argv, io, 'demo'),
  runs: runsCommand,
  'eval-scores': (argv, io) => evalScoresCommand(argv, io),
  bench: benchCommand,
  backend: backendCommand,
  dataset: datasetCommand,
  models: modelsCommand,
  study: studyCommand,
  export: exportCommand,
  embed: embedCommand,
  sweep: sweepCommand
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE)
    return name ? 0 : 2
  }
  // Own keys only: `constructor` or `toString` must not resolve through Object.prototype.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) {
    io.stderr(`unknown command ${JSON.stringify(name)}\n\n${USAGE}`)
    return 2
  }
  try {
    return await command(rest, io)
  } catch (error) {
    const known = error instanceof UsageError || (error instanceof Error && error.name === 'TypeError' && 'code' in error)
    io.stderr(`error: ${error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error)}\n`)
    return known ? 2 : 1
  }
}
