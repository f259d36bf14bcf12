// The validator must reject what downstream tools would choke on, each with a message that says
// what is wrong: damaged bytes, wrong input/output conventions, bad weights, wrong numbers.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/core/backend'
import { buildBackbone, glyphCnn, type Backbone } from '../../../src/core/models'
import { createRng } from '../../../src/core/util/rng'
import { checkConformance, type Check } from '../../../src/core/export/conformance'
import { buildOnnxModel, type WeightValue } from '../../../src/core/export/onnxGraph'
import { decodeOnnxModel, encodeOnnxModel, ONNX_INT64, type OnnxModel } from '../../../src/core/export/onnxSchema'
import { exportOnnx } from '../../../src/core/export/exportOnnx'
import { validateOnnxFile } from '../../../src/core/export/validate'
import { weightsOfBackbone } from '../../../src/core/export/appModel'

const dir = mkdtempSync(join(tmpdir(), 'export-validate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const spec = glyphCnn({ embeddingDim: 8 })
let backbone: Backbone
let weights: Map<string, WeightValue>
const expectation = { input: [1, 32, 32] as [number, number, number], embeddingDim: 8 }

beforeAll(async () => {
  await initBackend({})
  backbone = buildBackbone(spec, createRng(5))
  weights = await weightsOfBackbone(backbone)
})

function model(): OnnxModel {
  return buildOnnxModel(spec, (name) => weights.get(name) as WeightValue, {
    normalize: false,
    metadata: { run_id: 'r' },
    producerVersion: 't'
  })
}
const failed = (checks: Check[]): Record<string, string> =>
  Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c.detail]))

describe('conformance checks', () => {
  it('a fresh export passes every check, and the bytes decode back to the same graph', () => {
    const bytes = encodeOnnxModel(model())
    const result = checkConformance(bytes, {
      ...expectation,
      parameterCount: backbone.params.reduce((n, p) => n + p.variable.size, 0)
    })
    expect(failed(result.checks)).toEqual({})
    const decoded = decodeOnnxModel(bytes)
    expect(decoded.graph.node.map((n) => n.opType)).toEqual(model().graph.node.map((n) => n.opType))
    expect(decoded.metadataProps).toEqual([{ key: 'run_id', value: 'r' }])
  })

  it('rejects bytes that are not an ONNX model, and a truncated file', () => {
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919) % 256)
    expect(failed(checkConformance(garbage).checks)['parses as ONNX']).toMatch(/not an ONNX protobuf|no graph nodes/)
    const bytes = encodeOnnxModel(model())
    const truncated = bytes.subarray(0, Math.floor(bytes.length / 2))
    expect(failed(checkConformance(truncated).checks)['parses as ONNX']).toMatch(/not an ONNX protobuf/)
  })

  it('names each broken convention: rank, fixed batch, outputs, weight types, NaN, size', () => {
    const m = model()
    const input = m.graph.input[0].type!.tensorType!.shape!.dim!
    input.splice(0, 1, { dimValue: 32 })
    input.splice(2, 2)
    m.graph.output.push({ ...m.graph.output[0], name: 'extra' })
    const first = m.graph.initializer[0]
    const nan = new Uint8Array(first.rawData!)
    new DataView(nan.buffer).setFloat32(0, Number.NaN, true)
    first.rawData = nan
    m.graph.initializer[1] = { ...m.graph.initializer[1], dataType: ONNX_INT64 }
    const problems = failed(checkConformance(encodeOnnxModel(m), { ...expectation, parameterCount: 1 }).checks)
    expect(problems['rank-4 input']).toBe('input input has shape [32, 1]')
    expect(problems['dynamic batch']).toBe('batch dimension is 32')
    expect(problems['one output']).toBe('2 graph output(s): embedding, extra')
    expect(problems['no NaN/Inf in weights']).toBe(`non-finite values in ${first.name}`)
    expect(problems['float32 initializers']).toMatch(new RegExp(`not float32: ${m.graph.initializer[1].name} \\(type 7\\)`))
    expect(problems.size).toMatch(/weights \(the app's model has 1\)/)
  })

  it('rejects a model for another input size or embedding size', () => {
    const problems = failed(checkConformance(encodeOnnxModel(model()), { input: [3, 112, 112], embeddingDim: 512 }).checks)
    expect(problems['input size']).toBe('[C, H, W] = [1, 32, 32], expected [3, 112, 112]')
    expect(problems['embedding size']).toBe('output embedding has shape [batch, 8], expected [batch, 512]')
  })
})

describe('validation in ONNX Runtime', () => {
  it('fails a file whose numbers differ from the app, with the measured difference', async () => {
    const other = buildBackbone(spec, createRng(6))
    const file = join(dir, 'other.onnx')
    const otherWeights = await weightsOfBackbone(other)
    other.dispose()
    writeFileSync(
      file,
      encodeOnnxModel(
        buildOnnxModel(spec, (n) => otherWeights.get(n) as WeightValue, { normalize: false, metadata: {}, producerVersion: 't' })
      )
    )
    const report = await validateOnnxFile({ file, backbone, real: { unavailable: 'not needed' }, timingRuns: 0 })
    expect(report.ok).toBe(false)
    expect(report.checks.every((c) => c.ok)).toBe(true)
    expect(report.comparisons[0].ok).toBe(false)
    expect(report.comparisons[0].maxAbsDiff).toBeGreaterThan(1e-2)
  })

  it('fails a file ONNX Runtime cannot load, quoting its reason', async () => {
    const m = model()
    m.graph.node[0].input[1] = 'no-such-weight'
    const file = join(dir, 'dangling.onnx')
    writeFileSync(file, encodeOnnxModel(m))
    const report = await validateOnnxFile({ file, backbone, real: { unavailable: 'not needed' }, timingRuns: 0 })
    expect(report.ok).toBe(false)
    expect(failed(report.checks)['loads in ONNX Runtime']).toMatch(/no-such-weight/)
  })

  it('a failed export keeps the earlier good file and is left as FILE.failed.onnx', async () => {
    const target = join(dir, 'model.onnx')
    const provenance = { runId: 'r', loss: 'dsoftmax', dataset: 'fonts', checkpoint: 'final', weightsSha256: 'x' }
    const good = await exportOnnx({
      file: target,
      spec,
      weights,
      backbone,
      provenance,
      real: { unavailable: 'not needed' },
      timingRuns: 0
    })
    expect(good.report.ok).toBe(true)
    const goodBytes = readFileSync(target)
    const wrong = new Map(weights)
    const kernel = wrong.get('embedding/kernel') as WeightValue
    wrong.set('embedding/kernel', { shape: kernel.shape, values: kernel.values.map((v) => -v) })
    const bad = await exportOnnx({
      file: target,
      spec,
      weights: wrong,
      backbone,
      provenance,
      real: { unavailable: 'not needed' },
      timingRuns: 0
    })
    expect(bad.report.ok).toBe(false)
    expect(bad.file).toBe(`${target}.failed.onnx`)
    expect(existsSync(bad.file)).toBe(true)
    expect(readFileSync(target).equals(goodBytes)).toBe(true)
    const stored = JSON.parse(readFileSync(`${target}.validation.json`, 'utf8'))
    expect(stored.ok).toBe(false)
    expect(bad.summary).toMatch(/^validation FAILED/)
  })
})
