// Embeddings of a dataset as files other tools read: NumPy .npy (float32 matrix, labels in a
// second .npy) and CSV (one row per image: index, label, class name, the coordinates).
import { writeFileAtomic } from '../util/atomicWrite'

type NpyArray = { kind: 'float32'; values: Float32Array } | { kind: 'int32'; values: Int32Array }

/** NPY format 1.0: magic, version, little-endian header length, a Python-dict header padded to 64 bytes. */
export function encodeNpy(array: NpyArray, shape: number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1)
  if (size !== array.values.length) throw new Error(`npy: shape (${shape}) needs ${size} values, got ${array.values.length}`)
  const descr = array.kind === 'float32' ? '<f4' : '<i4'
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`
  const prefix = 10
  const padded = Math.ceil((prefix + header.length + 1) / 64) * 64
  header = header.padEnd(padded - prefix - 1, ' ') + '\n'
  const out = new Uint8Array(prefix + header.length + 4 * size)
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0])
  const view = new DataView(out.buffer)
  view.setUint16(8, header.length, true)
  out.set(Buffer.from(header, 'latin1'), prefix)
  const base = prefix + header.length
  for (let i = 0; i < size; i++) {
    if (array.kind === 'float32') view.setFloat32(base + 4 * i, array.values[i], true)
    else view.setInt32(base + 4 * i, array.values[i], true)
  }
  return out
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function embeddingsCsv(embeddings: Float32Array, dim: number, labels: Int32Array, classNames: string[]): string {
  const rows = [['index', 'label', 'class', ...Array.from({ length: dim }, (_, j) => `e${j}`)].join(',')]
  for (let r = 0; r < labels.length; r++) {
    const coords = Array.from(embeddings.subarray(r * dim, (r + 1) * dim), (v) => String(v))
    rows.push([String(r), String(labels[r]), csvField(classNames[labels[r]] ?? ''), ...coords].join(','))
  }
  return rows.join('\n') + '\n'
}

export interface WrittenEmbeddings {
  files: string[]
}

/** Writes FILE.npy (+ FILE.labels.npy) or FILE.csv, chosen by the extension. */
export function writeEmbeddings(
  file: string,
  embeddings: Float32Array,
  dim: number,
  labels: Int32Array,
  classNames: string[]
): WrittenEmbeddings {
  const rows = labels.length
  if (embeddings.length !== rows * dim) throw new Error(`${rows} labels but ${embeddings.length / dim} embeddings`)
  const lower = file.toLowerCase()
  if (lower.endsWith('.npy')) {
    const labelsFile = file.replace(/\.npy$/i, '.labels.npy')
    writeFileAtomic(file, encodeNpy({ kind: 'float32', values: embeddings }, [rows, dim]))
    writeFileAtomic(labelsFile, encodeNpy({ kind: 'int32', values: labels }, [rows]))
    return { files: [file, labelsFile] }
  }
  if (lower.endsWith('.csv')) {
    writeFileAtomic(file, embeddingsCsv(embeddings, dim, labels, classNames))
    return { files: [file] }
  }
  throw new Error(`${file}: embeddings are written as .npy or .csv; give a file name ending in one of them`)
}
