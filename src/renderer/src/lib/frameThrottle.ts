/**
 * Coalesces many calls into at most one per animation frame: a stream of 100 progress events
 * between two frames triggers one chart redraw. `schedule` is injectable for tests.
 */
export type FrameScheduler = (callback: () => void) => unknown

function defaultScheduler(): FrameScheduler {
  if (typeof window !== 'undefined' && typeof window.requestAnimationFrame === 'function') {
    return (callback) => window.requestAnimationFrame(() => callback())
  }
  return (callback) => setTimeout(callback, 16)
}

export function frameThrottle(
  run: () => void,
  schedule: FrameScheduler = defaultScheduler()
): { request(): void; cancel(): void } {
  let pending = false
  let cancelled = false
  return {
    request() {
      if (pending) return
      pending = true
      cancelled = false
      schedule(() => {
        pending = false
        if (!cancelled) run()
      })
    },
    cancel() {
      cancelled = true
    }
  }
}
