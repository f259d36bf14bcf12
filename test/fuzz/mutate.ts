// Deterministic mutations of a valid file: what a cut download, a flipped bit or a hand-made
// hostile file look like. The same seed gives the same case, so a finding can be replayed.
import { createRng } from '../../src/core/util/rng'

/** Integers that break length and count fields: negatives, sign boundaries, huge and zero. */
const INTERESTING_WORDS = [
  0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffb, 0xffffffff, 1e9, 0xced7230a
]

export interface Mutation {
  bytes: Uint8Array
  /** What was done, for the report of a finding. */
  how: string
}

/** Offsets of little-endian words (1 to 64 KiB) whose value, counted from after the word, ends inside the file. */
function lengthFields(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const fields: number[] = []
  for (let at = 0; at + 4 <= bytes.length && fields.length < 256; at++) {
    const value = view.getUint32(at, true) & 0x1fffffff
    if (value >= 1 && value <= 65536 && at + 4 + value <= bytes.length) fields.push(at)
  }
  return fields
}

/** One to three random edits of `seed`; `other` (another valid file) is spliced in sometimes. */
export function mutateBytes(seed: Uint8Array, caseSeed: number, other?: Uint8Array): Mutation {
  const rng = createRng(caseSeed)
  const random = rng.next
  const pick = rng.int
  let bytes = Uint8Array.from(seed)
  const steps: string[] = []
  const edits = 1 + pick(3)
  for (let e = 0; e < edits; e++) {
    const at = bytes.length ? pick(bytes.length) : 0
    switch (pick(9)) {
      case 0:
        if (bytes.length) bytes[at] ^= 1 << pick(8)
        steps.push(`flip bit at ${at}`)
        break
      case 1:
        if (bytes.length) bytes[at] = [0, 0xff, 0x7f, 0x80, 0x0a, 0x2e][pick(6)]
        steps.push(`set byte at ${at}`)
        break
      case 2: {
        const word = INTERESTING_WORDS[pick(INTERESTING_WORDS.length)]
        if (at + 4 <= bytes.length) new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, word >>> 0, random() < 0.5)
        steps.push(`word ${word} at ${at}`)
        break
      }
      case 3:
        bytes = bytes.slice(0, at)
        steps.push(`cut at ${at}`)
        break
      case 4: {
        const length = 1 + pick(16)
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(Math.min(bytes.length, at + length))])
        steps.push(`delete ${length} at ${at}`)
        break
      }
      case 5: {
        const insert = Uint8Array.from({ length: 1 + pick(8) }, () => pick(256))
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at)])
        steps.push(`insert ${insert.length} at ${at}`)
        break
      }
      case 6: {
        // Repeat a chunk: repeated records, opcodes, lines.
        const length = 1 + pick(64)
        const chunk = bytes.subarray(at, at + length)
        const copies = 1 + pick(4)
        const repeated = new Uint8Array(chunk.length * copies)
        for (let c = 0; c < copies; c++) repeated.set(chunk, c * chunk.length)
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...repeated, ...bytes.subarray(at)])
        steps.push(`repeat ${chunk.length}×${copies} at ${at}`)
        break
      }
      case 7: {
        // A length field: a little-endian word whose value, counted from just after it, ends
        // inside the file (a pickle's BINSTRING/BINBYTES length, a record's length word).
        const fields = lengthFields(bytes)
        if (fields.length === 0) break
        const field = fields[pick(fields.length)]
        const word = INTERESTING_WORDS[pick(INTERESTING_WORDS.length)]
        new DataView(bytes.buffer, bytes.byteOffset).setUint32(field, word >>> 0, true)
        steps.push(`length word at ${field} set to ${word}`)
        break
      }
      default: {
        if (!other || other.length === 0) break
        const from = pick(other.length)
        const length = 1 + pick(256)
        bytes = Uint8Array.from([
          ...bytes.subarray(0, at),
          ...other.subarray(from, from + length),
          ...bytes.subarray(at + length)
        ])
        steps.push(`splice ${length} from the other file at ${at}`)
      }
    }
  }
  return { bytes, how: steps.join(', ') }
}

/** Replacements for one field of a text line: paths that must be refused, numbers out of range. */
const HOSTILE_FIELDS = [
  '../../../etc/passwd',
  '\\\\attacker\\share\\a.jpg',
  '//attacker/share/a.jpg',
  '/dev/zero',
  '/proc/self/mem',
  'CON',
  '',
  '"',
  '""""',
  '9'.repeat(40),
  '-1',
  '1e999',
  'a\u0000b',
  '\u001b]0;x\u0007',
  'é'.repeat(300),
  ',,,,',
  '\t\t'
]

/** Edits of a text list at the level of lines and fields (then sometimes bytes too). */
export function mutateText(seed: string, caseSeed: number): Mutation {
  const rng = createRng(caseSeed)
  const random = rng.next
  const pick = rng.int
  const lines = seed.split('\n')
  const steps: string[] = []
  for (let e = 1 + pick(3); e > 0; e--) {
    const n = pick(lines.length)
    switch (pick(5)) {
      case 0: {
        const fields = lines[n].split(/([,\t ])/)
        const f = pick(fields.length)
        fields[f] = HOSTILE_FIELDS[pick(HOSTILE_FIELDS.length)]
        lines[n] = fields.join('')
        steps.push(`field ${f} of line ${n + 1}`)
        break
      }
      case 1:
        lines.splice(n, 1)
        steps.push(`drop line ${n + 1}`)
        break
      case 2:
        lines.splice(n, 0, ...Array.from({ length: 1 + pick(50) }, () => lines[n]))
        steps.push(`repeat line ${n + 1}`)
        break
      case 3:
        lines[n] = lines[n].slice(0, pick(lines[n].length + 1))
        steps.push(`cut line ${n + 1}`)
        break
      default:
        lines.splice(n, 0, HOSTILE_FIELDS[pick(HOSTILE_FIELDS.length)])
        steps.push(`insert a line at ${n + 1}`)
    }
  }
  const text = new TextEncoder().encode(lines.join('\n'))
  if (random() < 0.3) {
    const more = mutateBytes(text, caseSeed ^ 0x5bd1e995)
    return { bytes: more.bytes, how: `${steps.join(', ')}, then ${more.how}` }
  }
  return { bytes: text, how: steps.join(', ') }
}
