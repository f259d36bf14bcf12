/** A sweep field's values as the user types them, `0.8, 0.9` or `dsoftmax,normface`: numbers and true/false where they read as such, text otherwise. */
export function parseSweepValues(text: string): (number | string | boolean)[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((word) => (word === 'true' || word === 'false' ? word === 'true' : Number.isFinite(Number(word)) ? Number(word) : word))
}
