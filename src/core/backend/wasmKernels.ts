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

const WRAPPED = new WeakSet<tf.KernelConfig>()

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
function registerOneHot(): void {
  const original = tf.getKernel('OneHot', 'wasm')
  if (!original || WRAPPED.has(original)) return
  const config: tf.KernelConfig = {
    kernelName: 'OneHot',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { dtype, depth, onValue, offValue } = args.attrs as unknown as { dtype: tf.DataType; depth: number; onValue: number; offValue: number }
      if (dtype === 'int32') return original.kernelFunc(args)
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
  tf.unregisterKernel('OneHot', 'wasm')
  tf.registerKernel(config)
  WRAPPED.add(config)
}

/** Idempotent; affects only the wasm backend. Call after wasm is registered. */
export function registerWasmKernels(): void {
  registerOneHot()
  const original = tf.getKernel('BatchMatMul', 'wasm')
  const transposeKernel = tf.getKernel('Transpose', 'wasm')
  if (!original || !transposeKernel || WRAPPED.has(original)) return
  const plain = original.kernelFunc
  const transpose = transposeKernel.kernelFunc
  const config: tf.KernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: ({ inputs, backend: anyBackend, attrs }) => {
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
  tf.unregisterKernel('BatchMatMul', 'wasm')
  tf.registerKernel(config)
  WRAPPED.add(config)
}
