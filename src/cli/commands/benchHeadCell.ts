// The child process of `bench head`: measures the one cell named in argv[2] (a CellRequest as JSON)
// on the parent's backend and sends its figures, or the error, back over IPC. A wasm abort ends
// this process only; the parent reports the cell as failed with what was printed.
import { initBackend } from '../../core/backend'
import { measureCell, type CellRequest } from './benchHead'

/** Sends one message and waits until it is out (the process exits right after). */
function reply(message: object): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()))
}

async function run(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as CellRequest
  try {
    await initBackend({ force: request.backend })
    await reply({ figures: await measureCell(request.variant, request.classes, request.dim, request) })
  } catch (error) {
    await reply({ error: error instanceof Error ? error.message : String(error) })
  }
  process.exit(0)
}

void run()
