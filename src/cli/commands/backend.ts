// `backend`: which TensorFlow.js backend the engine picks here, and why the better ones were not.
import { parseArgs } from 'node:util'
import { describeBackend, initBackend, type BackendChoice } from '../../core/backend'
import type { CliIo } from '../io'

export async function backendCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { backend: { type: 'string' }, json: { type: 'boolean' } } })
  const report = await initBackend({ force: values.backend as BackendChoice | undefined })
  io.stdout(values.json ? JSON.stringify(report) + '\n' : describeBackend(report) + '\n')
  return 0
}
