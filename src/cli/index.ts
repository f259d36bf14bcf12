// Process entry of the headless command line: `npm run cli -- <command> [options]`.
import { main } from './cli'

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
