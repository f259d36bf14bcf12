/**
 * JSON for the web host's wire: like JSON.stringify/parse, except that NaN and ±Infinity
 * (a diverging loss, an undefined metric) survive the trip as `{"$nonFinite":"NaN"}` instead
 * of silently becoming null. Electron's structured clone keeps them natively.
 */
const TAG = '$nonFinite'

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : v))
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v)
      const tagged = (v as Record<string, unknown>)[TAG]
      if (keys.length === 1 && (tagged === 'NaN' || tagged === 'Infinity' || tagged === '-Infinity')) return Number(tagged)
    }
    return v
  })
}
