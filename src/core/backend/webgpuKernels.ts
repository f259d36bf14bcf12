// Webgpu kernels replaced where the stock ones fail.
//
// AddN: tfjs-backend-webgpu 4.22 binds every input of one AddN to one shader, but a shader stage
// may bind only maxStorageBuffersPerShaderStage buffers (8 on many adapters, the WebGPU default).
// Past that the pipeline is invalid, Dawn logs a validation error and the output is garbage, with
// no exception. Here larger sums are added in groups that fit.
import { tf } from '../tf'
import { overrideKernel } from './kernelOverride'

type Info = tf.TensorInfo

interface WebGpuBackendInternals {
  device: { limits: { maxStorageBuffersPerShaderStage: number } }
  disposeData(dataId: object): boolean
}

/** Idempotent; affects only the webgpu backend. Call after webgpu is registered. */
export function registerWebGpuKernels(): void {
  overrideKernel('AddN', 'webgpu', (stock) => (args) => {
    const backend = args.backend as unknown as WebGpuBackendInternals
    // One binding is the output.
    const group = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1)
    const addAll = (inputs: Info[]): Info => {
      if (inputs.length <= group) return stock({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as Info
      const partial: Info[] = []
      for (let start = 0; start < inputs.length; start += group) partial.push(addAll(inputs.slice(start, start + group)))
      const sum = addAll(partial)
      for (const p of partial) backend.disposeData(p.dataId)
      return sum
    }
    return addAll(args.inputs as unknown as Info[])
  })
}
