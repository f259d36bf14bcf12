// The message helper every process boundary uses: a typed value, or an error in words naming the
// channel and the problem — never a throw, whatever arrives.
import { describe, expect, it } from 'vitest'
import { receive } from '../../../src/common/messages'
import { PROGRESS_METRICS, trainerCommandSchema, trainerProcessEventSchema } from '../../../src/common/trainer'
import { progressPayload } from '../../helpers/progress'
import { jobMessageSchema, jobRequestSchema } from '../../../src/services/jobs/protocol'
import { workerReplySchema, workerRequestSchema } from '../../../src/core/train/gradientProtocol'

const progress = {
  type: 'progress',
  ...progressPayload({
    epoch: 1,
    step: 3,
    totalSteps: 10,
    loss: 1,
    intra: 0.6,
    inter: 0.4,
    lr: 0.1,
    imagesPerSecond: 30,
    etaSeconds: 5
  })
}

describe('receive', () => {
  it('returns the parsed, typed message', () => {
    const received = receive('trainer event', trainerProcessEventSchema, progress)
    expect(received).toEqual({ ok: true, value: progress })
  })

  it('names the channel, the field and the problem for a wrong type', () => {
    const received = receive('trainer event', trainerProcessEventSchema, { ...progress, step: 'three' })
    expect(received.ok).toBe(false)
    if (received.ok) return
    expect(received.error).toMatch(/^malformed trainer event: step: .*expected number, received string/)
    expect(received.error).toContain('"step":"three"')
  })

  it('names every missing field (up to four, then a count)', () => {
    const received = receive('trainer event', trainerProcessEventSchema, { type: 'progress' })
    expect(received.ok).toBe(false)
    if (received.ok) return
    for (const field of ['step', 'epoch', 'totalSteps', 'etaSeconds']) expect(received.error).toContain(`${field}: `)
    // Every field is missing (4 for position, one per metric): 4 listed, the rest counted.
    expect(received.error).toContain(`and ${PROGRESS_METRICS.length} more`)
  })

  it('keeps the error short when the message holds a huge string', () => {
    const huge = 'x'.repeat(5_000_000)
    const received = receive('trainer command', trainerCommandSchema, { type: huge })
    expect(received.ok).toBe(false)
    if (received.ok) return
    expect(received.error.length).toBeLessThan(1000)
    expect(received.error).toMatch(/^malformed trainer command: /)
    const key = receive('trainer command', trainerCommandSchema, { type: 'stop', [huge]: 1 })
    expect(!key.ok && key.error.length < 1000).toBe(true)
  })

  it('refuses non-objects and unreadable values without throwing', () => {
    for (const value of [null, undefined, 42, 'stop', [progress], Symbol('x'), 10n, () => 1]) {
      const received = receive('job request', jobRequestSchema, value)
      expect(received.ok, String(typeof value)).toBe(false)
      if (!received.ok) expect(received.error).toMatch(/^malformed job request: /)
    }
    const cyclic: Record<string, unknown> = { id: 'one' }
    cyclic.self = cyclic
    expect(receive('job request', jobRequestSchema, cyclic).ok).toBe(false)
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no reading me')
        },
        ownKeys: () => {
          throw new Error('no listing me')
        }
      }
    )
    const received = receive('job request', jobRequestSchema, hostile)
    expect(received.ok).toBe(false)
    if (!received.ok) expect(received.error).toMatch(/^malformed job request/)
  })

  it('checks the job and gradient-worker channels both ways', () => {
    expect(receive('job request', jobRequestSchema, { id: 1, kind: 'probe', input: {} }).ok).toBe(true)
    expect(receive('job request', jobRequestSchema, { id: 1, kind: 'format-disk', input: {} }).ok).toBe(false)
    expect(receive('job worker message', jobMessageSchema, { id: 1, type: 'progress', fraction: null }).ok).toBe(true)
    expect(receive('job worker message', jobMessageSchema, { id: 1, type: 'error', message: 'x', code: 'teapot' }).ok).toBe(false)
    expect(
      receive('gradient worker request', workerRequestSchema, { type: 'apply', flat: new Float32Array(2), lr: 0.1 }).ok
    ).toBe(true)
    const plain = receive('gradient worker request', workerRequestSchema, { type: 'apply', flat: [1, 2], lr: 0.1 })
    expect(!plain.ok && plain.error).toMatch(/flat: expected a Float32Array/)
    expect(
      receive('gradient worker reply', workerReplySchema, {
        type: 'gradients',
        values: [Number.NaN, 1, 2],
        flat: new Float32Array(1)
      }).ok
    ).toBe(true)
    expect(
      receive('gradient worker reply', workerReplySchema, { type: 'gradients', values: [1, 2], flat: new Float32Array(1) }).ok
    ).toBe(false)
  })
})
