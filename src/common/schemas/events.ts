/** Payloads of the push events that are not plain DTOs of another domain. */
import { z } from 'zod'
import { runEventSchema } from '../trainer'

/**
 * `training:event`: one run event (src/common/trainer.ts), relayed as the trainer sent it. The
 * host names every run before its trainer starts, so `runId` is null only for an event that
 * belongs to no run.
 */
export const trainingEventSchema = z.strictObject({ runId: z.string().nullable(), event: runEventSchema })
export type TrainingEvent = z.infer<typeof trainingEventSchema>

/** `training:log`: new lines for a run's log view (the trainer's events in words, and its output). */
export const trainingLogSchema = z.strictObject({ runId: z.string().nullable(), lines: z.array(z.string()) })

/** `runs:changed`: the runs list is stale (a run was created, renamed, tagged, deleted or ended). */
export const runsChangedSchema = z.strictObject({ runId: z.string().optional(), reason: z.string() })

/** `notice`: something the user should read (a run ended, a host problem), not tied to a request. */
export const noticeSchema = z.strictObject({ level: z.enum(['info', 'warning', 'error']), message: z.string() })
