/** Payloads of the push events that are not plain DTOs of another domain. */
import { z } from 'zod'
import { isTrainerEvent, type HostEvent, type ExitedEvent } from '../trainer'

const exitedEventSchema = z.strictObject({
  type: z.literal('exited'),
  code: z.number().nullable(),
  signal: z.string().nullable(),
  interrupted: z.boolean(),
  runId: z.string().optional(),
  message: z.string()
})

function isExitedEvent(value: unknown): value is ExitedEvent {
  return exitedEventSchema.safeParse(value).success
}

/** The trainer protocol's own events (src/common/trainer.ts, checked by its guard) plus `exited`. */
export const hostEventSchema = z.custom<HostEvent>((value) => isTrainerEvent(value) || isExitedEvent(value), {
  message: 'not a trainer event'
})

/**
 * `training:event`: one trainer event, relayed as the trainer sent it. `runId` is null only
 * before the trainer named its run (`ready`, an early `failed`).
 */
export const trainingEventSchema = z.strictObject({ runId: z.string().nullable(), event: hostEventSchema })
export type TrainingEvent = z.infer<typeof trainingEventSchema>

/** `training:log`: new lines for a run's log view (the trainer's events in words, and its output). */
export const trainingLogSchema = z.strictObject({ runId: z.string().nullable(), lines: z.array(z.string()) })

/** `runs:changed`: the runs list is stale (a run was created, renamed, tagged, deleted or ended). */
export const runsChangedSchema = z.strictObject({ runId: z.string().optional(), reason: z.string() })

/** `notice`: something the user should read (a run ended, a host problem), not tied to a request. */
export const noticeSchema = z.strictObject({ level: z.enum(['info', 'warning', 'error']), message: z.string() })
