// Progress on the terminal: a bar redrawn in place on a TTY, plain lines otherwise (logs, CI), at
// most one every few seconds.
import type { StepEvent } from '../core/train'
import { formatDuration } from './format'
import type { CliIo } from './io'

/** Draws `done`/`total` with a line of figures; the last call (done = total) always shows. */
export function progressBar(
  io: CliIo,
  intervalSeconds = io.isTty ? 0.2 : 10
): (done: number, total: number, stats: string) => void {
  let last = -Infinity
  return (doneCount, total, stats) => {
    const now = performance.now() / 1000
    const done = doneCount === total
    if (!done && now - last < intervalSeconds) return
    last = now
    const fraction = total > 0 ? doneCount / total : 1
    if (io.isTty) {
      const width = 24
      const filled = Math.round(fraction * width)
      io.stderr(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * fraction).toFixed(0).padStart(3)}% ${stats}\x1b[K${done ? '\n' : ''}`
      )
    } else {
      io.stderr(`${(100 * fraction).toFixed(0).padStart(3)}% ${stats}\n`)
    }
  }
}

export function progressPrinter(io: CliIo, intervalSeconds = io.isTty ? 0.2 : 10): (event: StepEvent) => void {
  const bar = progressBar(io, intervalSeconds)
  return (event) =>
    bar(
      event.step,
      event.totalSteps,
      `step ${event.step}/${event.totalSteps} epoch ${event.epoch} ` +
        `loss ${event.loss.toFixed(3)} (intra ${event.intra.toFixed(3)}, inter ${event.inter.toFixed(3)}) ` +
        `lr ${event.lr.toPrecision(3)} ${event.imagesPerSecond.toFixed(0)} img/s ETA ${formatDuration(event.etaSeconds)}`
    )
}
