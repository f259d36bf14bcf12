// A small Python pickle reader for verification .bin files (protocols 0–5 as Python 2 and 3 write
// plain data: tuples, lists, dicts, bytes/str, bools, numbers; plus the few globals such files use:
// `_codecs.encode` for bytes under protocol 2, bytearray, and numpy bool/int/float scalars), and
// a writer for `(bins, issame_list)` that Python reads back.
import { concatBytes } from '../util/bytes'
import { FileProblemError } from './fileProblem'

/** A pickled value: tuples and lists become arrays, py2 `str` and py3 `bytes` become Uint8Array. */
export type PickleValue =
  null | boolean | number | bigint | string | Uint8Array | PickleValue[] | Map<PickleValue, PickleValue> | PyObject

/** What a supported global or REDUCE produced that is not plain data (numpy dtypes). */
export interface PyObject {
  pyClass: string
  args: PickleValue[]
}

export class PickleError extends FileProblemError {
  override name = 'PickleError'
}

const MARK = Symbol('mark')
const MAX_NUMBER_DIGITS = 4300
type StackItem = PickleValue | typeof MARK | Global

interface Global {
  global: string
}

const isGlobal = (v: unknown): v is Global => typeof v === 'object' && v !== null && 'global' in v

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff)
}

/** A Python 2 str literal as protocol 0 writes it: quoted, with \xNN, \n, \t, \r, \\ and \' escapes. */
function pyStringLiteral(text: Uint8Array): Uint8Array {
  const quote = text[0]
  if (text.length < 2 || (quote !== 0x27 && quote !== 0x22) || text[text.length - 1] !== quote)
    throw new Error('STRING argument is not a quoted literal')
  const out: number[] = []
  const simple: Record<number, number> = { 0x6e: 0x0a, 0x74: 0x09, 0x72: 0x0d, 0x5c: 0x5c, 0x27: 0x27, 0x22: 0x22, 0x30: 0x00 }
  for (let i = 1; i < text.length - 1; i++) {
    if (text[i] !== 0x5c) {
      out.push(text[i])
      continue
    }
    const next = text[++i]
    if (next === 0x78) {
      out.push(parseInt(String.fromCharCode(text[i + 1], text[i + 2]), 16))
      i += 2
    } else if (next in simple) out.push(simple[next])
    else out.push(0x5c, next)
  }
  return Uint8Array.from(out)
}

/** Protocol 0 UNICODE: raw-unicode-escape (\uXXXX and \UXXXXXXXX escapes, other bytes Latin-1). */
function rawUnicodeEscape(text: Uint8Array): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    if (text[i] === 0x5c && (text[i + 1] === 0x75 || text[i + 1] === 0x55)) {
      const digits = text[i + 1] === 0x75 ? 4 : 8
      out += String.fromCodePoint(parseInt(String.fromCharCode(...text.subarray(i + 2, i + 2 + digits)), 16))
      i += 1 + digits
    } else out += String.fromCharCode(text[i])
  }
  return out
}

/** numpy scalar(dtype, raw bytes) → JS value, for the dtypes verification files could hold. */
function numpyScalar(dtype: PickleValue, raw: PickleValue): PickleValue {
  const code = dtype && typeof dtype === 'object' && 'pyClass' in dtype ? String(dtype.args[0]) : ''
  if (!(raw instanceof Uint8Array)) throw new Error('numpy scalar without its bytes')
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  if (code === 'b1' || code === '?') return raw[0] !== 0
  if (/^[iu][1248]$/.test(code)) {
    const size = Number(code[1])
    const signed = code[0] === 'i'
    return size === 8
      ? Number(signed ? view.getBigInt64(0, true) : view.getBigUint64(0, true))
      : signed
        ? [0, view.getInt8(0), view.getInt16(0, true), 0, view.getInt32(0, true)][size]
        : [0, raw[0], view.getUint16(0, true), 0, view.getUint32(0, true)][size]
  }
  if (code === 'f4') return view.getFloat32(0, true)
  if (code === 'f8') return view.getFloat64(0, true)
  throw new Error(`numpy scalar of dtype ${code || '?'} is not supported`)
}

function callGlobal(name: string, args: PickleValue[]): PickleValue {
  switch (name) {
    case '_codecs.encode':
      // Python 3 pickles bytes for protocol 2 as _codecs.encode(text, 'latin1').
      if (typeof args[0] !== 'string') throw new Error('_codecs.encode of a non-string')
      return args[1] === 'latin1' || args[1] === 'latin-1' ? latin1Bytes(args[0]) : new TextEncoder().encode(args[0])
    case '__builtin__.bytearray':
    case 'builtins.bytearray':
    case '__builtin__.bytes':
    case 'builtins.bytes':
      if (args.length === 0) return new Uint8Array(0)
      if (args[0] instanceof Uint8Array) return args[0]
      if (typeof args[0] === 'string') return latin1Bytes(args[0])
      if (Array.isArray(args[0])) return Uint8Array.from(args[0] as number[])
      throw new Error(`${name} of an unsupported argument`)
    case 'numpy.dtype':
      return { pyClass: 'numpy.dtype', args }
    case 'numpy.core.multiarray.scalar':
    case 'numpy._core.multiarray.scalar':
      return numpyScalar(args[0], args[1])
    default:
      throw new Error(`the pickle calls ${name}, which a verification file does not need (only plain data is read)`)
  }
}

/** Unpickles `data`; `file` names the source in errors. */
export function unpickle(data: Uint8Array, file: string): PickleValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const stack: StackItem[] = []
  const memo = new Map<number, StackItem>()
  const decoder = new TextDecoder('utf-8')
  let i = 0
  // Every length comes from the file: a negative BINSTRING length (an int32) once moved the
  // cursor backwards onto the same opcode forever, and a huge one must fail before any allocation.
  const need = (n: number): void => {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid length ${n} before byte ${i}`)
    if (n > data.length - i) throw new Error(`truncated at byte ${i} (needs ${n} more bytes, ${data.length - i} left)`)
  }
  const u8 = (): number => (need(1), data[i++])
  const u16 = (): number => (need(2), (i += 2), view.getUint16(i - 2, true))
  const u32 = (): number => (need(4), (i += 4), view.getUint32(i - 4, true))
  const i32 = (): number => (need(4), (i += 4), view.getInt32(i - 4, true))
  // Lengths above 2^53 are not exact as numbers; need() refuses them as over the file's size anyway.
  const u64 = (): number => (need(8), (i += 8), Number(view.getBigUint64(i - 8, true)))
  const take = (n: number): Uint8Array => (need(n), (i += n), data.slice(i - n, i))
  const line = (): string => {
    const end = data.indexOf(0x0a, i)
    if (end < 0) throw new Error(`truncated at byte ${i} (unterminated text argument)`)
    const text = decoder.decode(data.subarray(i, end))
    i = end + 1
    return text
  }
  // Python itself refuses to convert integers of more than 4300 digits from text by default:
  // longer number text is an attack on the parser (BigInt parsing is superlinear), not data.
  const numberLine = (): string => {
    const text = line()
    if (text.length > MAX_NUMBER_DIGITS)
      throw new Error(`a number written with ${text.length} characters before byte ${i} (at most ${MAX_NUMBER_DIGITS})`)
    return text
  }
  const lineBytes = (): Uint8Array => {
    const end = data.indexOf(0x0a, i)
    if (end < 0) throw new Error(`truncated at byte ${i} (unterminated text argument)`)
    const bytes = data.subarray(i, end)
    i = end + 1
    return bytes
  }
  const pop = (): StackItem => {
    if (stack.length === 0) throw new Error(`stack underflow at byte ${i}`)
    return stack.pop()!
  }
  const popToMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK)
    if (at < 0) throw new Error(`no MARK before byte ${i}`)
    const items = stack.splice(at)
    return items.slice(1) as PickleValue[]
  }
  const top = (): StackItem => stack[stack.length - 1]

  try {
    for (;;) {
      const op = u8()
      switch (op) {
        case 0x80:
          u8()
          break // PROTO
        case 0x95:
          u64()
          break // FRAME: framing only, the bytes follow inline
        case 0x2e: {
          // STOP
          const result = pop()
          if (result === MARK || isGlobal(result)) throw new Error('ends on a marker')
          return result
        }
        case 0x28:
          stack.push(MARK)
          break
        case 0x29:
          stack.push([])
          break // EMPTY_TUPLE
        case 0x74:
          stack.push(popToMark())
          break // TUPLE
        case 0x85:
          stack.push([pop() as PickleValue])
          break
        case 0x86: {
          const b = pop()
          stack.push([pop() as PickleValue, b as PickleValue])
          break
        }
        case 0x87: {
          const c = pop()
          const b = pop()
          stack.push([pop() as PickleValue, b as PickleValue, c as PickleValue])
          break
        }
        case 0x5d:
          stack.push([])
          break // EMPTY_LIST
        case 0x6c:
          stack.push(popToMark())
          break // LIST
        case 0x61: {
          const v = pop()
          const list = top()
          if (!Array.isArray(list)) throw new Error(`APPEND to a non-list at byte ${i - 1}`)
          list.push(v as PickleValue)
          break
        } // APPEND
        case 0x65: {
          const items = popToMark()
          const list = top()
          if (!Array.isArray(list)) throw new Error(`APPENDS to a non-list at byte ${i - 1}`)
          for (const item of items) list.push(item)
          break
        } // APPENDS
        case 0x7d:
          stack.push(new Map())
          break // EMPTY_DICT
        case 0x64: {
          const items = popToMark()
          const m = new Map<PickleValue, PickleValue>()
          for (let k = 0; k < items.length; k += 2) m.set(items[k], items[k + 1])
          stack.push(m)
          break
        }
        case 0x73: {
          const v = pop()
          const k = pop()
          ;(top() as Map<PickleValue, PickleValue>).set(k as PickleValue, v as PickleValue)
          break
        }
        case 0x75: {
          const items = popToMark()
          const m = top() as Map<PickleValue, PickleValue>
          for (let k = 0; k < items.length; k += 2) m.set(items[k], items[k + 1])
          break
        }
        case 0x42:
          stack.push(take(u32()))
          break // BINBYTES
        case 0x43:
          stack.push(take(u8()))
          break // SHORT_BINBYTES
        case 0x8e:
          stack.push(take(u64()))
          break // BINBYTES8
        case 0x96:
          stack.push(take(u64()))
          break // BYTEARRAY8
        case 0x54:
          stack.push(take(i32()))
          break // BINSTRING (Python 2 str: bytes)
        case 0x55:
          stack.push(take(u8()))
          break // SHORT_BINSTRING
        case 0x58:
          stack.push(decoder.decode(take(u32())))
          break // BINUNICODE
        case 0x8c:
          stack.push(decoder.decode(take(u8())))
          break // SHORT_BINUNICODE
        case 0x8d:
          stack.push(decoder.decode(take(u64())))
          break // BINUNICODE8
        case 0x88:
          stack.push(true)
          break
        case 0x89:
          stack.push(false)
          break
        case 0x4e:
          stack.push(null)
          break
        case 0x4a:
          stack.push(i32())
          break // BININT
        case 0x4b:
          stack.push(u8())
          break // BININT1
        case 0x4d:
          stack.push(u16())
          break // BININT2
        case 0x8a: {
          // LONG1: little-endian two's complement
          const bytes = take(u8())
          let v = 0n
          for (let k = bytes.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k])
          if (bytes.length && bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length)
          stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)
          break
        }
        case 0x47:
          stack.push((need(8), (i += 8), view.getFloat64(i - 8, false)))
          break // BINFLOAT
        case 0x49: {
          const t = numberLine()
          stack.push(t === '01' ? true : t === '00' ? false : Number(t))
          break
        } // INT (protocol 0 bools too)
        case 0x4c: {
          const t = numberLine().replace(/L$/, '')
          const v = BigInt(t)
          stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)
          break
        } // LONG
        case 0x46:
          stack.push(Number(numberLine()))
          break // FLOAT
        case 0x53:
          stack.push(pyStringLiteral(lineBytes()))
          break // STRING: Python 2 str, repr-quoted
        case 0x56:
          stack.push(rawUnicodeEscape(lineBytes()))
          break // UNICODE
        case 0x71:
          memo.set(u8(), top())
          break // BINPUT
        case 0x72:
          memo.set(u32(), top())
          break // LONG_BINPUT
        case 0x94:
          memo.set(memo.size, top())
          break // MEMOIZE
        case 0x70:
          memo.set(Number(numberLine()), top())
          break // PUT
        case 0x68:
        case 0x6a:
        case 0x67: {
          // BINGET, LONG_BINGET, GET
          const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(numberLine())
          if (!memo.has(key)) throw new Error(`memo key ${key} used before it was stored`)
          stack.push(memo.get(key)!)
          break
        }
        case 0x63: {
          const module = line()
          stack.push({ global: `${module}.${line()}` })
          break
        } // GLOBAL
        case 0x93: {
          const name = pop()
          const module = pop()
          stack.push({ global: `${String(module)}.${String(name)}` })
          break
        }
        case 0x52: {
          // REDUCE
          const args = pop()
          const callable = pop()
          if (!isGlobal(callable) || !Array.isArray(args)) throw new Error('REDUCE without a callable and its arguments')
          stack.push(callGlobal(callable.global, args))
          break
        }
        case 0x62:
          pop()
          break // BUILD: object state (numpy dtype flags), not needed
        default:
          throw new Error(`unsupported pickle opcode 0x${op.toString(16)} at byte ${i - 1}`)
      }
    }
  } catch (error) {
    if (error instanceof PickleError) throw error
    throw new PickleError(file, `cannot read the pickle: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** Pickles `(bins, issame_list)` with protocol 3 (bytes objects), as insightface's .bin files hold. */
export function pickleVerificationBin(bins: Uint8Array[], issame: boolean[]): Uint8Array {
  const chunks: Uint8Array[] = [Uint8Array.of(0x80, 3, 0x5d)]
  const word = (n: number): Uint8Array => {
    const out = new Uint8Array(4)
    new DataView(out.buffer).setUint32(0, n, true)
    return out
  }
  // APPENDS in runs of 1000, like Python's pickler, keeps the unpickler's stack small.
  for (let start = 0; start < bins.length; start += 1000) {
    chunks.push(Uint8Array.of(0x28))
    for (const bin of bins.slice(start, start + 1000)) chunks.push(Uint8Array.of(0x42), word(bin.length), bin)
    chunks.push(Uint8Array.of(0x65))
  }
  chunks.push(Uint8Array.of(0x5d))
  for (let start = 0; start < issame.length; start += 1000) {
    chunks.push(
      Uint8Array.of(0x28),
      Uint8Array.from(issame.slice(start, start + 1000), (same) => (same ? 0x88 : 0x89)),
      Uint8Array.of(0x65)
    )
  }
  chunks.push(Uint8Array.of(0x86, 0x2e))
  return concatBytes(chunks)
}
