// Wasm kernels replaced where the stock ones are slow or wrong.
//
// OneHot: tfjs-backend-wasm 4.22's kernel always writes int32 values, so a float32 one-hot comes out
// as bit patterns (1 reads as 1.4e-45). Non-int32 one-hots are filled here instead.
//
// BatchMatMul: the stock kernel is slow with transposes. Its BatchMatMul takes XNNPACK's
// fast path only without transposes; with transposeA or transposeB (every matMul gradient, and
// the cosine head x·Wᵀ) it falls back to a loop 10–20× slower. An explicit Transpose followed by
// the plain product is much faster, so on wasm BatchMatMul is re-registered to do exactly that.
import { tf } from '../tf'
import { overrideKernel } from './kernelOverride'

type Info = tf.TensorInfo

/** Swaps the last two axes of a tensor through the backend's own Transpose kernel. */
function transposeLastTwo(x: Info, backend: tf.KernelBackend, transpose: tf.KernelFunc): Info {
  const rank = x.shape.length
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2]
  return transpose({ inputs: { x }, backend, attrs: { perm } }) as Info
}

/** The wasm backend's own view of its memory (not in tfjs' public types). */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): Info
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array
}

/** OneHot honouring its dtype: int32 through the stock kernel, anything else filled here. */
function oneHot(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dtype, depth, onValue, offValue } = args.attrs as unknown as {
      dtype: tf.DataType
      depth: number
      onValue: number
      offValue: number
    }
    if (dtype === 'int32') return stock(args)
    const backend = args.backend as unknown as WasmBackendInternals
    const { indices } = args.inputs as { indices: Info }
    const ids = backend.typedArrayFromHeap(indices)
    const out = backend.makeOutput([...indices.shape, depth], dtype)
    const values = backend.typedArrayFromHeap(out)
    values.fill(offValue)
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      if (id >= 0 && id < depth) values[i * depth + id] = onValue
    }
    return out
  }
}

/** BatchMatMul with transposes as an explicit Transpose, then the stock (XNNPACK) plain product. */
function batchMatMul(transpose: tf.KernelFunc): (stock: tf.KernelFunc) => tf.KernelFunc {
  return (plain) =>
    ({ inputs, backend: anyBackend, attrs }) => {
      const backend = anyBackend as tf.KernelBackend
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean }
      if (!transposeA && !transposeB) return plain({ inputs, backend, attrs })
      const { a, b } = inputs as { a: Info; b: Info }
      const temporaries: Info[] = []
      const prepare = (x: Info, flip: boolean): Info => {
        if (!flip) return x
        const t = transposeLastTwo(x, backend, transpose)
        temporaries.push(t)
        return t
      }
      const result = plain({
        inputs: { a: prepare(a, transposeA), b: prepare(b, transposeB) },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false }
      })
      for (const t of temporaries) backend.disposeData(t.dataId)
      return result
    }
}

/** Idempotent; affects only the wasm backend. Call after wasm is registered. */
export function registerWasmKernels(): void {
  overrideKernel('OneHot', 'wasm', oneHot)
  const transpose = tf.getKernel('Transpose', 'wasm')
  if (transpose) overrideKernel('BatchMatMul', 'wasm', batchMatMul(transpose.kernelFunc))
}
