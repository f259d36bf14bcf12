import { describe, expect, it } from 'vitest'
import { formatDuration, metricsTable } from '../../../src/cli/format'
import { progressPrinter } from '../../../src/cli/progress'
import { verificationReport } from '../../../src/core/eval'
import type { StepEvent } from '../../../src/core/train'
import { progressPayload } from '../../helpers/progress'

const step = (n: number, total: number): StepEvent => ({
  type: 'step',
  stepSeconds: 0.4,
  ...progressPayload({
    step: n,
    totalSteps: total,
    epoch: 1,
    loss: 3.25,
    intra: 1.25,
    inter: 2,
    lr: 0.1,
    imagesPerSecond: 320,
    etaSeconds: 125
  })
})

describe('CLI formatting', () => {
  it('formats durations as m:ss and h:mm:ss', () => {
    expect(formatDuration(5)).toBe('0:05')
    expect(formatDuration(125)).toBe('2:05')
    expect(formatDuration(3725)).toBe('1:02:05')
    expect(formatDuration(Infinity)).toBe('--:--')
  })

  it('prints the metrics table with unreliable FARs and the optimistic accuracy labelled', () => {
    // 40 pairs: 20 impostors, so every FAR below 10/20 = 0.5 is flagged.
    const labels = Array.from({ length: 40 }, (_, i) => i % 2)
    const scores = labels.map((l, i) => l + (i % 7) * 0.1)
    const table = metricsTable('Test:', verificationReport(labels, scores))
    expect(table).toMatch(/pairs\s+40 \(20 genuine, 20 impostor\)/)
    expect(table).toMatch(/TAR@FAR=0\.1 .*unreliable/)
    expect(table).toMatch(/TAR@FAR=1e-06 .*unreliable/)
    expect(table).toMatch(/best-threshold accuracy .*optimistic/)
  })

  it('redraws one line on a terminal and prints throttled plain lines otherwise', () => {
    const tty: string[] = []
    const printTty = progressPrinter({ stdout: () => {}, stderr: (s) => tty.push(s), isTty: true }, 0)
    printTty(step(1, 4))
    printTty(step(4, 4))
    expect(tty[0].startsWith('\r[')).toBe(true)
    expect(tty[0]).toContain('step 1/4')
    expect(tty[1].endsWith('\n')).toBe(true)

    const plain: string[] = []
    const printPlain = progressPrinter({ stdout: () => {}, stderr: (s) => plain.push(s), isTty: false }, 3600)
    printPlain(step(1, 100))
    printPlain(step(2, 100)) // within the interval: dropped
    printPlain(step(100, 100)) // the last step always prints
    expect(plain).toHaveLength(2)
    expect(plain[0]).toMatch(
      /^\s+1% step 1\/100 epoch 1 loss 3\.250 \(intra 1\.250, inter 2\.000\) lr 0\.100 320 img\/s ETA 2:05\n$/
    )
    expect(plain[1]).toContain('100% step 100/100')
  })
})
