// The estimate's speed measurement, for real: a few training steps of the glyph family's model on
// this machine's backend. Only what must hold is asserted (no timing bounds): the figure is
// positive and finite, the MACs are the model's, and the replicas are those a run would use.
import { describe, expect, it } from 'vitest'
import { backboneSpec } from '../../src/core/models/architectures'
import { specCost } from '../../src/core/models/plan'
import { throughputJob } from '../../src/services/jobs/throughputJob'
import { currentMachine } from '../../src/services/throughput'

describe('measure-throughput job', () => {
  it('measures the glyph family on this backend', async () => {
    const labels: string[] = []
    const m = await throughputJob({ family: 'glyph' }, (_, label) => void (label && labels.push(label)))
    console.log(
      `[throughput] ${m.backend}: ${m.imagesPerSecond.toFixed(1)} img/s, ${m.model}, ${m.replicas} replica(s), ${m.machine}`
    )
    expect(m.imagesPerSecond).toBeGreaterThan(0)
    expect(Number.isFinite(m.imagesPerSecond)).toBe(true)
    expect(m.macsPerImage).toBe(specCost(backboneSpec('glyph-cnn', { embeddingDim: 128, inputSize: 32, channels: 1 })).macs)
    expect(m.replicas).toBeGreaterThanOrEqual(1)
    expect(m.machine).toBe(currentMachine())
    expect(labels.at(-1)).toMatch(/Measuring \w+ training speed \(glyph-cnn\)/)
  }, 300_000)
})
