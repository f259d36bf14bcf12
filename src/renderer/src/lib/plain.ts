/**
 * A deep plain copy of JSON data. Vue's reactive proxies cannot go through structuredClone
 * (Electron IPC) and must not be shared with the host; recipes and requests are JSON anyway.
 */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}
