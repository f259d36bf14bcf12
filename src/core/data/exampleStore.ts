// Where a training example's encoded bytes live, in a form that can be posted to a worker thread,
// and a reader that fetches them (a file read, or one positional read in a .rec).
import { readFile } from 'node:fs/promises'
import { statSync } from 'node:fs'
import { RecordFile, unpackHeader } from './recordio'

/** RecordIO offsets are a Float64Array (in shared memory when they come from the index): one per record. */
export type ExampleStore = { kind: 'files'; paths: string[] } | { kind: 'recordio'; recPath: string; offsets: Float64Array }

export class ExampleReader {
  private record: RecordFile | null = null

  constructor(readonly store: ExampleStore) {}

  get count(): number {
    return this.store.kind === 'files' ? this.store.paths.length : this.store.offsets.length
  }

  /** A human name for example `index`: its file, or the .rec and byte offset. */
  describe(index: number): string {
    return this.store.kind === 'files'
      ? this.store.paths[index]
      : `${this.store.recPath} (record at byte ${this.store.offsets[index]})`
  }

  async read(index: number): Promise<Uint8Array> {
    if (this.store.kind === 'files') return new Uint8Array(await readFile(this.store.paths[index]))
    if (!this.record) this.record = new RecordFile(this.store.recPath, statSync(this.store.recPath).size)
    return unpackHeader(this.record.read(this.store.offsets[index]), this.describe(index)).image
  }

  close(): void {
    this.record?.close()
    this.record = null
  }
}
