// MobileFaceNet and the IR ResNets: parameter and MAC counts against counts derived here from the
// published architecture tables (not from the spec code), and against the published totals.
import { beforeAll, describe, expect, it } from 'vitest'
import { tf } from '../../../src/core/tf'
import { initBackend } from '../../../src/core/backend'
import {
  BACKBONE_INFO,
  BACKBONE_NAMES,
  backboneSpec,
  buildBackbone,
  specCost,
  walkLayers,
  type LayerSpec
} from '../../../src/core/models'
import { createRng } from '../../../src/core/util/rng'

beforeAll(async () => {
  await initBackend({ force: 'wasm' })
})

const bn = (c: number): number => 2 * c // γ and β (running statistics are state, not parameters)

/** MobileFaceNet from the paper's Table 1, counted by hand: [params, MACs] at a 112×112×3 input. */
function mobileFaceNetByTable(embedding: number): [number, number] {
  let params = 3 * 3 * 3 * 64 + bn(64) + 64 // conv3×3/2, BN, PReLU
  let macs = 56 * 56 * 27 * 64
  params += 9 * 64 + bn(64) + 64 // depthwise conv3×3
  macs += 56 * 56 * 9 * 64
  let side = 56
  let cin = 64
  const table = [
    [2, 64, 5, 2],
    [4, 128, 1, 2],
    [2, 128, 6, 1],
    [4, 128, 1, 2],
    [2, 128, 2, 1]
  ]
  for (const [t, c, n, s] of table) {
    for (let i = 0; i < n; i++) {
      const e = cin * t
      const out = i === 0 && s === 2 ? side / 2 : side
      params += cin * e + bn(e) + e + 9 * e + bn(e) + e + e * c + bn(c)
      macs += side * side * cin * e + out * out * 9 * e + out * out * e * c
      side = out
      cin = c
    }
  }
  params += 128 * 512 + bn(512) + 512 // conv1×1 to 512, BN, PReLU
  macs += 7 * 7 * 128 * 512
  params += 49 * 512 + bn(512) // linear GDC 7×7
  macs += 49 * 512
  params += 512 * embedding + bn(embedding) // linear 1×1 to the embedding
  macs += 512 * embedding
  return [params, macs]
}

/** insightface's iresnet at 112×112, counted by hand: [params, MACs]. Its FC has a bias, ours not. */
function iresnetByTable(units: number[], embedding: number): [number, number] {
  const widths = [64, 128, 256, 512]
  let params = 27 * 64 + bn(64) + 64
  let macs = 112 * 112 * 27 * 64
  let side = 112
  let cin = 64
  units.forEach((n, stage) => {
    const w = widths[stage]
    for (let i = 0; i < n; i++) {
      const out = i === 0 ? side / 2 : side
      params += bn(cin) + 9 * cin * w + bn(w) + w + 9 * w * w + bn(w)
      macs += side * side * 9 * cin * w + out * out * 9 * w * w
      if (i === 0) {
        params += cin * w + bn(w)
        macs += out * out * cin * w
      }
      side = out
      cin = w
    }
  })
  params += bn(512) + 512 * 49 * embedding + embedding + bn(embedding)
  macs += 512 * 49 * embedding
  return [params, macs]
}

const countKinds = (layers: LayerSpec[], kind: LayerSpec['kind']): number =>
  layers.reduce(
    (n, l) => n + (l.kind === kind ? 1 : 0) + (l.kind === 'residual' ? countKinds([...l.body, ...l.shortcut], kind) : 0),
    0
  )

describe('MobileFaceNet', () => {
  it('has the parameters and MACs of the paper table: ~1.0 M and ~221 M at 128-D', () => {
    const cost = specCost(backboneSpec('mobilefacenet', { embeddingDim: 128 }))
    const [params, macs] = mobileFaceNetByTable(128)
    expect(cost.parameters).toBe(params)
    expect(cost.macs).toBe(macs)
    // Published: 0.99 M parameters, 221 M MAdds (Chen et al. 2018, Table 2).
    expect(Math.abs(cost.parameters - 0.99e6) / 0.99e6).toBeLessThan(0.02)
    expect(Math.abs(cost.macs - 221e6) / 221e6).toBeLessThan(0.005)
    expect(cost.output).toEqual([128])
  })

  it('is 512-D with the same body and counts the larger embedding layer', () => {
    const [params] = mobileFaceNetByTable(512)
    expect(specCost(backboneSpec('mobilefacenet', { embeddingDim: 512 })).parameters).toBe(params)
  })

  it('uses depthwise convolutions, PReLU, identity shortcuts where the shape is kept, and a 7×7 GDC', () => {
    const spec = backboneSpec('mobilefacenet', { embeddingDim: 128 })
    // Residual bottlenecks: 4 of the first group of 5, all 6 of the third, both of the last.
    expect(countKinds(spec.layers, 'residual')).toBe(4 + 6 + 2)
    expect(countKinds(spec.layers, 'depthwise')).toBe(1 + 15 + 1) // stem, one per bottleneck, GDC
    expect(countKinds(spec.layers, 'relu')).toBe(0)
    const maps: string[] = []
    walkLayers(spec.layers, spec.input, (step) => {
      if (step.layer.kind === 'depthwise' && step.layer.name === 'gdc')
        maps.push(`${step.layer.kernel}:${step.input.join('x')}->${step.output.join('x')}`)
    })
    expect(maps).toEqual(['7:7x7x512->1x1x512'])
  })

  it('builds exactly the planned variables and maps 112×112×3 faces to finite 128-D embeddings', () => {
    const spec = backboneSpec('mobilefacenet', { embeddingDim: 128 })
    const model = buildBackbone(spec, createRng(3))
    const cost = specCost(spec)
    const trainable = model.params.filter((p) => p.trainable).reduce((n, p) => n + p.variable.size, 0)
    expect(trainable).toBe(cost.parameters)
    expect(model.params.filter((p) => !p.trainable).reduce((n, p) => n + p.variable.size, 0)).toBe(cost.state)
    expect(model.macsPerImage).toBe(cost.macs)
    const out = tf.tidy(() =>
      model.apply(tf.randomNormal([2, 112, 112, 3], 0, 1, 'float32', 4) as tf.Tensor4D, { training: false }).arraySync()
    )
    expect(out).toHaveLength(2)
    expect(out[0]).toHaveLength(128)
    expect(out.flat().every(Number.isFinite)).toBe(true)
    expect(out[0]).not.toEqual(out[1])
    model.dispose()
  })

  it('keeps its shape at a 32×32 input: the GDC covers the 2×2 map', () => {
    const spec = backboneSpec('mobilefacenet', { embeddingDim: 16, inputSize: 32, channels: 1 })
    const gdc: number[] = []
    walkLayers(spec.layers, spec.input, (step) => {
      if (step.layer.kind === 'depthwise' && step.layer.name === 'gdc') gdc.push(step.layer.kernel, ...step.output)
    })
    expect(gdc).toEqual([2, 1, 1, 512])
  })
})

describe('IR ResNets', () => {
  const published: Record<string, [number[], number]> = {
    // insightface arcface_torch model zoo: iresnet18 24.0 M, iresnet34 34.1 M, iresnet50 43.6 M.
    'ir-18': [[2, 2, 2, 2], 24.0e6],
    'ir-34': [[3, 4, 6, 3], 34.1e6],
    'ir-50': [[3, 4, 14, 3], 43.6e6]
  }
  for (const [name, [units, total]] of Object.entries(published)) {
    it(`${name}: the hand count at 512-D, ≈ ${total / 1e6} M as published`, () => {
      const spec = backboneSpec(name as 'ir-18', { embeddingDim: 512 })
      const cost = specCost(spec)
      const [params, macs] = iresnetByTable(units, 512)
      expect(cost.parameters).toBe(params - 512) // no FC bias here: BN's β follows it
      expect(cost.macs).toBe(macs)
      expect(Math.abs(params - total)).toBeLessThan(0.06e6)
      expect(spec.input).toEqual([112, 112, 3])
      expect(countKinds(spec.layers, 'residual')).toBe(units.reduce((a, b) => a + b, 0))
    })
  }

  it('ends in a 7×7×512 map before the embedding layer', () => {
    const spec = backboneSpec('ir-50', { embeddingDim: 512 })
    const before: number[][] = []
    walkLayers(spec.layers, spec.input, (step) => {
      if (step.layer.kind === 'flatten') before.push(step.input)
    })
    expect(before).toEqual([[7, 7, 512]])
  })
})

describe('every backbone', () => {
  it('has an info entry and a spec that walks to a flat embedding of the usual size', () => {
    for (const name of BACKBONE_NAMES) {
      const info = BACKBONE_INFO[name]
      const spec = backboneSpec(name, { embeddingDim: info.embeddingDim, inputSize: info.input[0], channels: info.input[1] })
      expect(spec.input, name).toEqual([info.input[0], info.input[0], info.input[1]])
      expect(specCost(spec).output, name).toEqual([info.embeddingDim])
    }
  })

  it('glyph-cnn-linear is the glyph CNN with a biased linear embedding and no batch norm after it', () => {
    const plain = specCost(backboneSpec('glyph-cnn', { embeddingDim: 3 }))
    const spec = backboneSpec('glyph-cnn-linear', { embeddingDim: 3 })
    const last = spec.layers[spec.layers.length - 1]
    expect(last).toEqual({ kind: 'dense', name: 'embedding', units: 3, bias: true })
    // glyph-cnn's embedding BN has γ, β (6 parameters) and 6 state values; the bias adds 3.
    expect(specCost(spec).parameters).toBe(plain.parameters - 6 + 3)
    expect(specCost(spec).state).toBe(plain.state - 6)
  })

  it('rejects a window larger than its input, naming the layer', () => {
    const spec = {
      family: 'bad',
      input: [4, 4, 2] as [number, number, number],
      layers: [{ kind: 'depthwise' as const, name: 'big', kernel: 5, stride: 1, padding: 'valid' as const }]
    }
    expect(() => specCost(spec)).toThrow(/big: a 5×5 window does not fit a 4×4 input/)
  })
})
