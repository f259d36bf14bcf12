// Learning-rate schedules as pure functions of the step, so a resumed run gets the same rates.

export type ScheduleConfig =
  | { kind: 'constant'; warmupSteps?: number }
  | { kind: 'cosine'; warmupSteps?: number; /** floor as a fraction of the base rate */ minFactor?: number }
  /** Multiply by `gamma` at each milestone, given as fractions of the whole run (e.g. [0.5, 0.75]). */
  | { kind: 'step'; warmupSteps?: number; milestones: number[]; gamma: number }

export function learningRateAt(schedule: ScheduleConfig, baseRate: number, step: number, totalSteps: number): number {
  const warmup = schedule.warmupSteps ?? 0
  if (step < warmup) return (baseRate * (step + 1)) / warmup
  const progress = totalSteps > warmup ? (step - warmup) / (totalSteps - warmup) : 1
  switch (schedule.kind) {
    case 'constant':
      return baseRate
    case 'cosine': {
      const floor = baseRate * (schedule.minFactor ?? 0)
      return floor + (baseRate - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)))
    }
    case 'step': {
      const passed = schedule.milestones.filter((m) => progress >= m).length
      return baseRate * Math.pow(schedule.gamma, passed)
    }
  }
}
