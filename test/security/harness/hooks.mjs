/* global URL */
// Module-resolution hook: `electron` resolves to the recording stand-in next to this file, so
// the built main process (out/main) can be imported by plain Node.
const STUB = new URL('./electron-stub.mjs', import.meta.url).href

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: STUB, shortCircuit: true }
  return nextResolve(specifier, context)
}
