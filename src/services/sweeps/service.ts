// The Sweeps view's service: plan (runs, problems and a time estimate from the recipe check the
// New run view uses), start, list, status, cancel, requeue and compare. Local sweeps started here
// are served by a LocalQueue in this host process; Slurm sweeps only need the cluster's clients.
import type { RecipeCheck, TrainRecipe } from '../../common/contract'
import { HostError } from '../../common/contract'
import type {
  SweepPlanResult,
  SweepRequest as SweepRequestDto,
  SweepStatus,
  SweepSummary,
  SweepComparison
} from '../../common/schemas/sweeps'
import type { TrainConfig } from '../../core/train/config'
import { SweepError } from '../../core/sweep/errors'
import { commonFars } from '../../core/sweep/compare'
import { listSweeps } from '../../core/sweep/store'
import type { ServiceContext } from '../context'
import { expandUserPath } from '../paths'
import { LocalQueue, localQueueServed } from './localQueue'
import { SlurmCommandError } from './slurmCommands'
import { cancelSweep, compareSweep, planSweep, requeueSweep, startSweep, sweepStatus, type SweepRequest } from './sweeps'

export interface SweepsServiceOptions {
  /** The New run view's recipe check: engine validation plus the memory and time estimate. */
  checkRecipe: (recipe: TrainRecipe) => Promise<RecipeCheck>
}

/** Engine errors the user can act on become host errors with their message. */
async function asHostError<T>(action: () => T | Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    if (error instanceof SweepError)
      throw new HostError(/^no sweep|has no run/.test(error.message) ? 'not-found' : 'bad-request', error.message)
    if (error instanceof SlurmCommandError) throw new HostError('failed', error.message)
    throw error
  }
}

/** The recipe as the engine takes it: paths typed with ~/ expanded, as New run does. */
function engineRequest(request: SweepRequestDto): SweepRequest {
  const base = structuredClone(request.base) as unknown as TrainConfig
  if (base.data) {
    const { train, val, test } = base.data
    base.data = {
      train: expandUserPath(train),
      ...(val ? { val: expandUserPath(val) } : {}),
      ...(test ? { test: expandUserPath(test) } : {})
    }
  }
  return { ...request, base }
}

export class SweepsService {
  private readonly queues = new Map<string, { queue: LocalQueue; done: Promise<void> }>()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: SweepsServiceOptions
  ) {}

  async plan(request: SweepRequestDto): Promise<SweepPlanResult> {
    let runs
    try {
      runs = planSweep(engineRequest(request))
    } catch (error) {
      if (error instanceof SweepError) return { problems: [error.message], runs: [] }
      throw error
    }
    const checks = await Promise.all(runs.map((run) => this.options.checkRecipe(run.recipe as unknown as TrainRecipe)))
    const seconds = checks.map((check) => {
      const e = check.estimate
      return e && e.secondsPerEpoch !== null && e.totalSteps !== null && e.stepsPerEpoch
        ? (e.secondsPerEpoch * e.totalSteps) / e.stepsPerEpoch
        : null
    })
    const known = seconds.every((s): s is number => s !== null)
    const total = known ? seconds.reduce((a, b) => a + b, 0) : null
    const parallel = request.scheduler.kind === 'local' ? (request.scheduler.maxParallel ?? 1) : runs.length
    const basis = checks.find((c) => c.estimate)?.estimate?.basis ?? 'no estimate: the recipe cannot be sized'
    return {
      problems: checks.flatMap((check, i) => check.problems.map((p) => `${runs[i].name}: ${p}`)),
      runs: runs.map((r) => ({ name: r.name, values: r.values })),
      estimate: {
        secondsPerRun: seconds,
        totalSeconds: total,
        wallSeconds: known
          ? request.scheduler.kind === 'local'
            ? (total as number) / Math.min(parallel, runs.length)
            : Math.max(...(seconds as number[]))
          : null,
        basis:
          request.scheduler.kind === 'slurm'
            ? `${basis}; on the cluster each run goes as fast as its node, which this machine's speed does not tell`
            : basis
      }
    }
  }

  async start(request: SweepRequestDto): Promise<SweepStatus> {
    const sweep = await asHostError(() => startSweep(this.ctx.workspace(), engineRequest(request)))
    if (sweep.scheduler.kind === 'local') this.serve(sweep.id, sweep.scheduler.maxParallel ?? 1)
    return this.status(sweep.id)
  }

  list(): SweepSummary[] {
    const { sweeps, problems } = listSweeps(this.ctx.workspace())
    if (problems.length)
      this.ctx.emit('notice', {
        level: 'warning',
        message: `skipped ${problems.length} unreadable sweep${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`
      })
    return sweeps.map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      scheduler: s.scheduler.kind,
      fields: s.plan.axes.map((a) => a.field),
      runs: s.runs.length
    }))
  }

  async status(id: string): Promise<SweepStatus> {
    const status = await asHostError(() => sweepStatus(this.ctx.workspace(), id))
    const { sweep } = status
    return {
      id: sweep.id,
      createdAt: sweep.createdAt,
      scheduler: sweep.scheduler.kind,
      fields: sweep.plan.axes.map((a) => a.field),
      runs: status.runs,
      ...(status.served !== undefined ? { served: status.served } : {})
    }
  }

  async cancel(id: string, runs: string[] = []): Promise<SweepStatus> {
    await asHostError(() => cancelSweep(this.ctx.workspace(), id, runs))
    return this.status(id)
  }

  async requeue(id: string, runs: string[] = []): Promise<SweepStatus> {
    if (runs.length === 0) throw new HostError('bad-request', 'name the runs to requeue')
    await asHostError(() => requeueSweep(this.ctx.workspace(), id, runs))
    const status = await this.status(id)
    if (status.scheduler === 'local' && !localQueueServed(this.ctx.workspace(), id)) {
      const sweep = (await asHostError(() => sweepStatus(this.ctx.workspace(), id))).sweep
      this.serve(id, sweep.scheduler.maxParallel ?? 1)
    }
    return status
  }

  async compare(id: string): Promise<SweepComparison> {
    const runs = await asHostError(() => compareSweep(this.ctx.workspace(), id))
    return { id, fields: [...new Set(runs.flatMap((r) => Object.keys(r.values)))], fars: commonFars(runs), runs }
  }

  /** Stops serving local queues: their workers stop with a checkpoint (resumable by requeue). */
  async stopAll(): Promise<void> {
    for (const { queue } of this.queues.values()) queue.stop()
    await Promise.all([...this.queues.values()].map((q) => q.done))
  }

  private serve(id: string, maxParallel: number): void {
    const workspace = this.ctx.workspace()
    const queue = new LocalQueue(workspace, id, {
      maxParallel,
      onChange: () => this.ctx.emit('runs:changed', { reason: 'sweep' })
    })
    const done = queue
      .serve()
      .catch((error: unknown) =>
        this.ctx.emit('notice', {
          level: 'error',
          message: `sweep ${id}: ${error instanceof Error ? error.message : String(error)}`
        })
      )
      .finally(() => this.queues.delete(id))
    this.queues.set(id, { queue, done })
  }
}
