// Replacing one backend's kernel with a wrapper around the stock one (wasmKernels.ts, webgpuKernels.ts).
import { tf } from '../tf'

const REPLACED = new WeakSet<tf.KernelConfig>()

/**
 * Registers `wrap(stock)` as `backendName`'s kernel for `kernelName`, keeping the stock kernel's
 * setup and dispose. Idempotent: a kernel already replaced here is left alone, and a backend
 * without the kernel is not touched.
 */
export function overrideKernel(kernelName: string, backendName: string, wrap: (stock: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(kernelName, backendName)
  if (!original || REPLACED.has(original)) return
  const config: tf.KernelConfig = {
    kernelName,
    backendName,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: wrap(original.kernelFunc)
  }
  tf.unregisterKernel(kernelName, backendName)
  tf.registerKernel(config)
  REPLACED.add(config)
}
