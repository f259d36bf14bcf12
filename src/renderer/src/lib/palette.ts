/** Distinct colours for identities: golden-angle hues, lightness tuned for the scheme. */
export function identityColour(index: number, scheme: 'light' | 'dark'): string {
  const hue = (index * 137.508) % 360
  return scheme === 'dark' ? `hsl(${hue.toFixed(1)} 70% 62%)` : `hsl(${hue.toFixed(1)} 65% 42%)`
}
