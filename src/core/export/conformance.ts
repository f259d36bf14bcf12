// The static half of the export check, on the file's bytes alone: it parses as an ONNX model and
// follows the conventions downstream tools expect (insightface's checklist): one rank-4 float
// input with a dynamic batch, exactly one output, float32 initializers, finite weights.
import { float32FromLittleEndian } from './onnxGraph'
import { decodeOnnxModel, ONNX_FLOAT, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from './onnxSchema'

export interface Check {
  name: string
  ok: boolean
  detail: string
}

export interface ConformanceExpectation {
  /** [channels, height, width] of one input image. */
  input?: [number, number, number]
  embeddingDim?: number
  /** Number of float32 values the app's backbone holds (every one must be exported). */
  parameterCount?: number
}

export interface ConformanceResult {
  checks: Check[]
  model?: OnnxModel
  sizeBytes: number
}

/** Protobuf's hard message limit: larger models need external data, which we do not write. */
const PROTOBUF_LIMIT = 2 ** 31 - 1

function tensorValues(t: OnnxTensor): Float32Array | null {
  if (t.rawData && t.rawData.byteLength > 0) {
    if (t.rawData.byteLength % 4 !== 0) return null
    return float32FromLittleEndian(t.rawData)
  }
  return Float32Array.from(t.floatData ?? [])
}

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false
  return true
}

function shapeOf(info: OnnxValueInfo): (number | string | undefined)[] | undefined {
  const dims = info.type?.tensorType?.shape?.dim
  return dims?.map((d) => (d.dimParam ? d.dimParam : d.dimValue))
}

export function checkConformance(bytes: Uint8Array, expect: ConformanceExpectation = {}): ConformanceResult {
  const checks: Check[] = []
  const add = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail })
  let model: OnnxModel
  try {
    model = decodeOnnxModel(bytes)
  } catch (error) {
    add('parses as ONNX', false, `not an ONNX protobuf: ${(error as Error).message}`)
    return { checks, sizeBytes: bytes.byteLength }
  }
  const graph = model.graph
  const opset = model.opsetImport.find((o) => !o.domain)?.version ?? 0
  const parsed = graph.node.length > 0 && opset > 0
  add(
    'parses as ONNX',
    parsed,
    parsed ? `IR ${model.irVersion}, opset ${opset}, ${graph.node.length} nodes` : 'no graph nodes or no default-domain opset'
  )
  if (!parsed) return { checks, model, sizeBytes: bytes.byteLength }
  add('recent opset', opset >= 13, `opset ${opset} (13 or newer expected)`)

  const initializerNames = new Set(graph.initializer.map((t) => t.name))
  const inputs = graph.input.filter((i) => !initializerNames.has(i.name))
  const input = inputs[0]
  const inputShape = input ? shapeOf(input) : undefined
  add('one input', inputs.length === 1, `${inputs.length} graph input(s): ${inputs.map((i) => i.name).join(', ') || 'none'}`)
  if (input) {
    const isFloat = input.type?.tensorType?.elemType === ONNX_FLOAT
    add('input is float32', isFloat, `element type ${input.type?.tensorType?.elemType ?? 'missing'}`)
    add('rank-4 input', inputShape?.length === 4, `input ${input.name} has shape [${inputShape?.join(', ') ?? 'unknown'}]`)
    const batch = inputShape?.[0]
    add(
      'dynamic batch',
      typeof batch === 'string' || batch === undefined,
      `batch dimension is ${batch === undefined ? 'unset' : JSON.stringify(batch)}`
    )
    if (expect.input && inputShape?.length === 4) {
      const actual = inputShape.slice(1).join()
      add(
        'input size',
        actual === expect.input.join(),
        `[C, H, W] = [${inputShape.slice(1).join(', ')}], expected [${expect.input.join(', ')}]`
      )
    }
  }
  add(
    'one output',
    graph.output.length === 1,
    `${graph.output.length} graph output(s): ${graph.output.map((o) => o.name).join(', ') || 'none'}`
  )
  if (graph.output.length === 1 && expect.embeddingDim !== undefined) {
    const outShape = shapeOf(graph.output[0])
    const dim = outShape?.[outShape.length - 1]
    add(
      'embedding size',
      dim === expect.embeddingDim,
      `output ${graph.output[0].name} has shape [${outShape?.join(', ') ?? 'unknown'}], expected [batch, ${expect.embeddingDim}]`
    )
  }

  const badType = graph.initializer.filter((t) => t.dataType !== ONNX_FLOAT)
  add(
    'float32 initializers',
    badType.length === 0,
    badType.length === 0
      ? `${graph.initializer.length} initializers, all float32`
      : `not float32: ${badType.map((t) => `${t.name} (type ${t.dataType})`).join(', ')}`
  )
  let floats = 0
  const wrongSize: string[] = []
  const nonFinite: string[] = []
  for (const t of graph.initializer) {
    const values = tensorValues(t)
    const expected = t.dims.reduce((a, b) => a * b, 1)
    if (!values || values.length !== expected) {
      wrongSize.push(`${t.name} has ${values?.length ?? 'unreadable'} values for shape [${t.dims}]`)
      continue
    }
    floats += values.length
    if (!allFinite(values)) nonFinite.push(t.name)
  }
  add('initializer sizes', wrongSize.length === 0, wrongSize.length === 0 ? `${floats} float32 values` : wrongSize.join('; '))
  add(
    'no NaN/Inf in weights',
    nonFinite.length === 0,
    nonFinite.length === 0 ? 'all weights finite' : `non-finite values in ${nonFinite.join(', ')}`
  )
  const sizeDetail =
    `${bytes.byteLength} bytes, ${floats} weights` +
    (expect.parameterCount !== undefined ? ` (the app's model has ${expect.parameterCount})` : '')
  const sizeOk =
    bytes.byteLength < PROTOBUF_LIMIT &&
    (expect.parameterCount === undefined || floats === expect.parameterCount) &&
    bytes.byteLength >= 4 * floats
  add('size', sizeOk, sizeDetail)
  return { checks, model, sizeBytes: bytes.byteLength }
}
