// The subset of ONNX's onnx.proto (proto2, package "onnx") that a model file of ours needs, as a
// protobufjs reflection descriptor. Field numbers follow the public ONNX specification; keeping it
// in code means the app bundles it and never reads a .proto file at run time.
import protobuf from 'protobufjs'

const repeated = (
  type: string,
  id: number,
  packed = false
): protobuf.IField & { rule: string; options?: Record<string, unknown> } =>
  packed ? { rule: 'repeated', type, id, options: { packed: true } } : { rule: 'repeated', type, id }
const optional = (type: string, id: number): protobuf.IField => ({ type, id })

const descriptor: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: optional('string', 1),
            refAttrName: optional('string', 21),
            docString: optional('string', 13),
            type: optional('AttributeType', 20),
            f: optional('float', 2),
            i: optional('int64', 3),
            s: optional('bytes', 4),
            t: optional('TensorProto', 5),
            g: optional('GraphProto', 6),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11)
          },
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0,
                FLOAT: 1,
                INT: 2,
                STRING: 3,
                TENSOR: 4,
                GRAPH: 5,
                FLOATS: 6,
                INTS: 7,
                STRINGS: 8,
                TENSORS: 9,
                GRAPHS: 10
              }
            }
          }
        },
        ValueInfoProto: {
          fields: { name: optional('string', 1), type: optional('TypeProto', 2), docString: optional('string', 3) }
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: optional('string', 3),
            opType: optional('string', 4),
            domain: optional('string', 7),
            attribute: repeated('AttributeProto', 5),
            docString: optional('string', 6)
          }
        },
        StringStringEntryProto: { fields: { key: optional('string', 1), value: optional('string', 2) } },
        OperatorSetIdProto: { fields: { domain: optional('string', 1), version: optional('int64', 2) } },
        ModelProto: {
          fields: {
            irVersion: optional('int64', 1),
            opsetImport: repeated('OperatorSetIdProto', 8),
            producerName: optional('string', 2),
            producerVersion: optional('string', 3),
            domain: optional('string', 4),
            modelVersion: optional('int64', 5),
            docString: optional('string', 6),
            graph: optional('GraphProto', 7),
            metadataProps: repeated('StringStringEntryProto', 14)
          }
        },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: optional('string', 2),
            initializer: repeated('TensorProto', 5),
            docString: optional('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13)
          }
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            dataType: optional('int32', 2),
            floatData: repeated('float', 4, true),
            int32Data: repeated('int32', 5, true),
            int64Data: repeated('int64', 7, true),
            name: optional('string', 8),
            docString: optional('string', 12),
            rawData: optional('bytes', 9),
            doubleData: repeated('double', 10, true)
          }
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: optional('int64', 1), dimParam: optional('string', 2), denotation: optional('string', 3) }
            }
          }
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: optional('Tensor', 1), denotation: optional('string', 6) },
          nested: {
            Tensor: { fields: { elemType: optional('int32', 1), shape: optional('TensorShapeProto', 2) } }
          }
        }
      }
    }
  }
}

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1
export const ONNX_INT64 = 7

/** IR version 8 goes with opset 17 (ONNX 1.12). */
export const ONNX_IR_VERSION = 8
export const ONNX_OPSET = 17

// Plain-object views of the messages (protobufjs camel-cases the proto's snake_case names).
export interface OnnxAttribute {
  name: string
  type: number
  f?: number
  i?: number
  s?: Uint8Array
  floats?: number[]
  ints?: number[]
}
export interface OnnxNode {
  name: string
  opType: string
  input: string[]
  output: string[]
  attribute?: OnnxAttribute[]
}
export interface OnnxTensor {
  name: string
  dims: number[]
  dataType: number
  rawData?: Uint8Array
  floatData?: number[]
  int64Data?: number[]
}
export interface OnnxDimension {
  dimValue?: number
  dimParam?: string
}
export interface OnnxValueInfo {
  name: string
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDimension[] } } }
}
export interface OnnxGraph {
  name: string
  node: OnnxNode[]
  initializer: OnnxTensor[]
  input: OnnxValueInfo[]
  output: OnnxValueInfo[]
}
export interface OnnxModel {
  irVersion: number
  opsetImport: { domain?: string; version: number }[]
  producerName: string
  producerVersion: string
  docString?: string
  graph: OnnxGraph
  metadataProps: { key: string; value: string }[]
}

/** Attribute type codes (AttributeProto.AttributeType). */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const

const root = protobuf.Root.fromJSON(descriptor)
const ModelProto = root.lookupType('onnx.ModelProto')

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  // The plain object already has protobufjs' field types (numbers, strings, Uint8Array), so it is
  // encoded as is; the conformance check decodes the bytes again after every export.
  return ModelProto.encode(model).finish()
}

/** Decodes bytes as an ONNX ModelProto; throws on bytes that are not a protobuf message. */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const message = ModelProto.decode(bytes)
  const plain = ModelProto.toObject(message, { longs: Number, arrays: true, defaults: false }) as Partial<OnnxModel>
  const graph = (plain.graph ?? {}) as Partial<OnnxGraph>
  return {
    irVersion: plain.irVersion ?? 0,
    opsetImport: plain.opsetImport ?? [],
    producerName: plain.producerName ?? '',
    producerVersion: plain.producerVersion ?? '',
    docString: plain.docString,
    metadataProps: plain.metadataProps ?? [],
    graph: {
      name: graph.name ?? '',
      node: graph.node ?? [],
      initializer: graph.initializer ?? [],
      input: graph.input ?? [],
      output: graph.output ?? []
    }
  }
}
