import { describe, expect, it } from 'vitest'
import { StreamSeries } from '../../../../../src/renderer/src/lib/series'
import { frameThrottle } from '../../../../../src/renderer/src/lib/frameThrottle'

describe('StreamSeries', () => {
  it('keeps every appended point across many capacity doublings', () => {
    const series = new StreamSeries(['loss', 'lr'] as const, 2)
    for (let step = 1; step <= 5000; step++) series.push(step, { loss: 1 / step, lr: step % 7 === 0 ? undefined : 0.1 })
    expect(series.length).toBe(5000)
    const [x, loss, lr] = series.view()
    expect(x.length).toBe(5000)
    expect(x[4999]).toBe(5000)
    expect(loss[0]).toBe(1)
    expect(loss[1999]).toBeCloseTo(1 / 2000, 12)
    expect(Number.isNaN(lr[6])).toBe(true) // step 7: missing value is a gap
    expect(lr[7]).toBe(0.1)
  })

  it('replaces the tail when a resumed run re-sends earlier steps', () => {
    const series = new StreamSeries(['loss'] as const)
    for (let step = 1; step <= 10; step++) series.push(step, { loss: step })
    series.push(6, { loss: 60 })
    expect(series.length).toBe(6)
    expect(Array.from(series.view()[0])).toEqual([1, 2, 3, 4, 5, 6])
    expect(series.last('loss')).toBe(60)
    series.push(7, { loss: 70 })
    expect(series.last('loss')).toBe(70)
  })

  it('stores non-finite values as gaps and clears', () => {
    const series = new StreamSeries(['loss'] as const)
    series.push(1, { loss: Number.POSITIVE_INFINITY })
    expect(Number.isNaN(series.last('loss') as number)).toBe(true)
    series.clear()
    expect(series.length).toBe(0)
    expect(series.lastX()).toBeUndefined()
  })
})

describe('frameThrottle', () => {
  it('runs once per frame however often it is requested, and not after cancel', () => {
    const frames: (() => void)[] = []
    let runs = 0
    const throttle = frameThrottle(
      () => runs++,
      (callback) => frames.push(callback)
    )
    for (let i = 0; i < 1000; i++) throttle.request()
    expect(frames.length).toBe(1)
    frames.shift()?.()
    expect(runs).toBe(1)
    throttle.request()
    throttle.cancel()
    frames.shift()?.()
    expect(runs).toBe(1)
  })
})
