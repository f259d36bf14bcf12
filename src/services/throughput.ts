/**
 * This machine's measured training speed per backend and model family, for the recipe
 * estimate. Measured once in the job worker and kept in a JSON file beside the settings;
 * a figure measured on other hardware (CPU model × cores) is measured again.
 */
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { writeJsonAtomic } from '../core/util/atomicWrite'
import type { JobRunner } from './jobs/runner'
import type { ThroughputMeasurement } from './jobs/protocol'

export type ModelFamily = ThroughputMeasurement['family']

const key = (backend: string, family: ModelFamily): string => `${backend}/${family}`

/** The machine a measurement belongs to: CPU model × cores. */
export function currentMachine(): string {
  return `${cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${availableParallelism()}`
}

function isMeasurement(value: unknown): value is ThroughputMeasurement {
  const m = value as ThroughputMeasurement
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.backend === 'string' &&
    typeof m.machine === 'string' &&
    m.imagesPerSecond > 0 &&
    m.macsPerImage > 0
  )
}

export class ThroughputCache {
  private measured = new Map<string, ThroughputMeasurement>()
  private pending = new Map<string, Promise<ThroughputMeasurement | null>>()
  /** Measurements that failed this session: not retried on every recipe check. */
  private failed = new Set<string>()

  constructor(
    private readonly file: string,
    private readonly runJob: JobRunner
  ) {
    this.load()
  }

  /** A broken or foreign cache file is ignored (and replaced at the next measurement). */
  private load(): void {
    if (!existsSync(this.file)) return
    try {
      const stored = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, unknown>
      for (const [k, v] of Object.entries(stored)) if (isMeasurement(v) && v.machine === currentMachine()) this.measured.set(k, v)
    } catch {
      this.measured.clear()
    }
  }

  /** The cached figure, or null (and, once, a measurement starts in the background). */
  lookup(backend: string, family: ModelFamily): ThroughputMeasurement | null {
    const found = this.measured.get(key(backend, family))
    if (!found && !this.failed.has(key(backend, family))) void this.measure(backend, family)
    return found ?? null
  }

  /** Measures (once per backend and family at a time) and stores the figure. */
  measure(backend: string, family: ModelFamily): Promise<ThroughputMeasurement | null> {
    const k = key(backend, family)
    let running = this.pending.get(k)
    if (!running) {
      running = this.runJob('measure-throughput', { family })
        .then((m) => {
          // Kept under the name the host's probe uses (it says "tensorflow" for the node backends).
          this.measured.set(k, m)
          writeJsonAtomic(this.file, Object.fromEntries(this.measured))
          return m
        })
        .catch(() => {
          this.failed.add(k)
          return null
        })
        .finally(() => this.pending.delete(k))
      this.pending.set(k, running)
    }
    return running
  }

  isMeasuring(backend: string, family: ModelFamily): boolean {
    return this.pending.has(key(backend, family))
  }
}
