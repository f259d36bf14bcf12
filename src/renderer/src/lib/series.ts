/**
 * Column store for live chart data: one x column and named y columns, appended to in place.
 * Storage is Float64Array grown by doubling, so a run streaming thousands of points costs
 * amortised O(1) per point and no Vue reactivity (callers keep it in markRaw/shallowRef and
 * bump a version counter). `view()` hands uPlot zero-copy subarrays.
 */
export class StreamSeries<K extends string = string> {
  private capacity: number
  private size = 0
  private x: Float64Array
  private readonly ys: Record<K, Float64Array>

  constructor(
    readonly keys: readonly K[],
    initialCapacity = 256
  ) {
    this.capacity = Math.max(1, initialCapacity)
    this.x = new Float64Array(this.capacity)
    this.ys = {} as Record<K, Float64Array>
    for (const key of keys) this.ys[key] = new Float64Array(this.capacity).fill(Number.NaN)
  }

  get length(): number {
    return this.size
  }

  /**
   * Adds one point. Missing y values are stored as NaN (uPlot draws a gap). An x that is not
   * after the last one replaces that point instead (a resumed run re-sends its last step).
   */
  push(x: number, values: Partial<Record<K, number>>): void {
    if (this.size > 0 && x <= this.x[this.size - 1]) {
      this.truncateFrom(x)
    }
    if (this.size === this.capacity) this.grow()
    const i = this.size
    this.x[i] = x
    for (const key of this.keys) {
      const value = values[key]
      this.ys[key][i] = value === undefined || !Number.isFinite(value) ? Number.NaN : value
    }
    this.size++
  }

  /** Drops every point with x ≥ `x` (used when a run resumes from an earlier checkpoint). */
  truncateFrom(x: number): void {
    let n = this.size
    while (n > 0 && this.x[n - 1] >= x) n--
    for (const key of this.keys) this.ys[key].fill(Number.NaN, n, this.size)
    this.size = n
  }

  clear(): void {
    this.truncateFrom(Number.NEGATIVE_INFINITY)
  }

  lastX(): number | undefined {
    return this.size > 0 ? this.x[this.size - 1] : undefined
  }

  last(key: K): number | undefined {
    return this.size > 0 ? this.ys[key][this.size - 1] : undefined
  }

  /** [x, ...y columns in `keys` order] as subarrays over the live buffers (no copy). */
  view(keys: readonly K[] = this.keys): Float64Array[] {
    return [this.x.subarray(0, this.size), ...keys.map((key) => this.ys[key].subarray(0, this.size))]
  }

  private grow(): void {
    this.capacity *= 2
    const x = new Float64Array(this.capacity)
    x.set(this.x)
    this.x = x
    for (const key of this.keys) {
      const column = new Float64Array(this.capacity).fill(Number.NaN)
      column.set(this.ys[key])
      this.ys[key] = column
    }
  }
}
