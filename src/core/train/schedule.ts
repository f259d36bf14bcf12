// Learning-rate schedules as pure functions of the step, so a resumed run gets the same rates.
// Each has an optional linear warm-up from base/warmupSteps to the base rate.

import { SCHEDULE_KINDS } from '../../common/names'
import type { ScheduleConfig } from '../../common/schemas/recipe'

// The schedule part of the recipe (its shape and kinds) is defined with the recipe in src/common.
export type { ScheduleConfig } from '../../common/schemas/recipe'
export { SCHEDULE_KINDS } from '../../common/names'

export function validateSchedule(schedule: ScheduleConfig): string[] {
  const problems: string[] = []
  if (!(SCHEDULE_KINDS as readonly string[]).includes(schedule.kind))
    problems.push(`schedule must be one of ${SCHEDULE_KINDS.join(', ')}, got "${String(schedule.kind)}"`)
  const warmup = schedule.warmupSteps ?? 0
  if (!(Number.isInteger(warmup) && warmup >= 0)) problems.push(`warm-up steps must be a whole number ≥ 0, got ${warmup}`)
  if ('minFactor' in schedule && schedule.minFactor !== undefined && !(schedule.minFactor >= 0 && schedule.minFactor <= 1)) {
    problems.push(`schedule floor must be in [0, 1], got ${schedule.minFactor}`)
  }
  if (schedule.kind === 'step') {
    if (!schedule.milestones.every((m) => m > 0 && m < 1))
      problems.push(`step milestones must be fractions of the run in (0, 1), got [${schedule.milestones.join(', ')}]`)
    if (!(schedule.gamma > 0)) problems.push(`step gamma must be > 0, got ${schedule.gamma}`)
  }
  if (schedule.kind === 'polynomial' && !(schedule.power > 0))
    problems.push(`polynomial power must be > 0, got ${schedule.power}`)
  return problems
}

export function learningRateAt(schedule: ScheduleConfig, baseRate: number, step: number, totalSteps: number): number {
  const warmup = schedule.warmupSteps ?? 0
  if (step < warmup) return (baseRate * (step + 1)) / warmup
  const progress = Math.min(1, totalSteps > warmup ? (step - warmup) / (totalSteps - warmup) : 1)
  switch (schedule.kind) {
    case 'constant':
      return baseRate
    case 'cosine': {
      const floor = baseRate * (schedule.minFactor ?? 0)
      return floor + (baseRate - floor) * 0.5 * (1 + Math.cos(Math.PI * progress))
    }
    case 'step': {
      const passed = schedule.milestones.filter((m) => progress >= m).length
      return baseRate * Math.pow(schedule.gamma, passed)
    }
    case 'polynomial': {
      const floor = baseRate * (schedule.minFactor ?? 0)
      return floor + (baseRate - floor) * Math.pow(1 - progress, schedule.power)
    }
  }
}
