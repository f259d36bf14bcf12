// Gives a test file a WebGPU adapter on machines without a GPU: Chromium's SwiftShader Vulkan
// driver (Debian's chromium, which .ci/run installs). Only tests set VK_ICD_FILENAMES — it would
// hide a user's real drivers. In CI a missing driver fails the file instead of skipping it.
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { SWIFTSHADER_ICD } from './backendCompare'

export function useSwiftShader(file: string): boolean {
  if (existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD
    process.env.XDG_RUNTIME_DIR ??= tmpdir()
    return true
  }
  const why = `${SWIFTSHADER_ICD} is missing (install Debian's chromium and libvulkan1, as .ci/run does)`
  if (process.env.CI) throw new Error(`${file}: the WebGPU tests must run in CI, but ${why}`)
  console.warn(`[webgpu] SKIPPED ${file}: no WebGPU adapter here — ${why}`)
  return false
}
