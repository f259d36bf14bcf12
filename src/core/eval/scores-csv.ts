// Incremental parser for `label,score` CSV files, fed one line at a time so that callers can
// stream files of millions of rows without holding their text. No I/O here: the CLI reads
// the bytes, the renderer may feed a File's text.

/** A problem with the input, its message already naming the source and line ("file.csv:17: …"). */
export class ScoresCsvError extends Error {
  constructor(
    readonly source: string,
    readonly line: number | undefined,
    readonly detail: string
  ) {
    super(line === undefined ? `${source}: ${detail}` : `${source}:${line}: ${detail}`)
    this.name = 'ScoresCsvError'
  }
}

export interface ParsedScores {
  labels: Uint8Array
  scores: Float64Array
  /** Whether the first line was a header (and so was not a pair). */
  hadHeader: boolean
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i

function field(raw: string): string {
  const t = raw.trim()
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t
}

/** A field echoed in an error message, quoted and cut short (a binary file can have huge "fields"). */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

function looksNumeric(f: string): boolean {
  return DECIMAL.test(f) || NON_FINITE.test(f)
}

/**
 * Rows are `label,score` with label 0 or 1 (1 = same identity) and a finite score. The first
 * non-blank line is a header when none of its fields is a number; a header must name a
 * `label` and a `score` column (any order, other columns ignored). Without a header the
 * columns are label then score. Every row must have as many fields as the first line.
 * Blank lines are skipped.
 */
export class ScoresCsvParser {
  private labels = new Uint8Array(1 << 16)
  private scores = new Float64Array(1 << 16)
  private count = 0
  private lineNo = 0
  private fields = 0
  private labelCol = 0
  private scoreCol = 1
  private started = false
  private hadHeader = false

  constructor(private readonly source: string) {}

  /** Feeds the next line (without its line terminator). Throws ScoresCsvError on a bad row. */
  pushLine(line: string): void {
    this.lineNo++
    if (!this.started) {
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1)
      if (line.trim() === '') return
      this.readFirstLine(line)
      if (this.hadHeader) return
    }
    // Fast path for plain `label,score` rows (the 10M-row case): no split, no array per row.
    const comma = line.indexOf(',')
    if (this.fields === 2 && comma >= 0 && line.indexOf(',', comma + 1) < 0) {
      const first = line.slice(0, comma)
      const second = line.slice(comma + 1)
      this.pushFields(this.labelCol === 0 ? first : second, this.labelCol === 0 ? second : first)
      return
    }
    if (line.trim() === '') return
    const parts = line.split(',')
    if (parts.length !== this.fields) this.fail(`expected ${this.fields} fields, got ${parts.length}`)
    this.pushFields(parts[this.labelCol], parts[this.scoreCol])
  }

  /** The pairs read so far (views, no copy). Throws when there are none or only one class. */
  finish(): ParsedScores {
    if (this.count === 0) throw new ScoresCsvError(this.source, undefined, 'no label,score rows (empty file?)')
    const labels = this.labels.subarray(0, this.count)
    let genuine = 0
    for (let i = 0; i < labels.length; i++) genuine += labels[i]
    if (genuine === 0 || genuine === this.count) {
      throw new ScoresCsvError(
        this.source,
        undefined,
        `only one class: all ${this.count} pairs have label ${genuine === 0 ? 0 : 1}; need both genuine (1) and impostor (0) pairs`
      )
    }
    return { labels, scores: this.scores.subarray(0, this.count), hadHeader: this.hadHeader }
  }

  private readFirstLine(line: string): void {
    this.started = true
    const parts = line.split(',')
    this.fields = parts.length
    if (!parts.some((p) => looksNumeric(field(p)))) this.readHeader(parts.map((p) => field(p).toLowerCase()))
    else if (parts.length < 2) this.fail(`expected label,score, got ${quote(line)}`)
  }

  private pushFields(rawLabel: string, rawScore: string): void {
    const labelText = field(rawLabel)
    const label = labelText === '1' ? 1 : labelText === '0' ? 0 : DECIMAL.test(labelText) ? Number(labelText) : NaN
    if (label !== 0 && label !== 1) this.fail(`label must be 0 or 1, got ${quote(labelText)}`)
    const scoreText = field(rawScore)
    if (!DECIMAL.test(scoreText)) {
      if (NON_FINITE.test(scoreText)) this.fail(`score must be finite, got ${quote(scoreText)}`)
      this.fail(`score must be a number, got ${quote(scoreText)}`)
    }
    const score = Number(scoreText)
    if (!Number.isFinite(score)) this.fail(`score must be finite, got ${quote(scoreText)}`)
    if (this.count === this.scores.length) this.grow()
    this.labels[this.count] = label
    this.scores[this.count] = score
    this.count++
  }

  private readHeader(names: string[]): void {
    this.hadHeader = true
    this.labelCol = names.indexOf('label')
    this.scoreCol = names.indexOf('score')
    if (this.labelCol < 0 || this.scoreCol < 0) {
      this.fail(`header must name a "label" and a "score" column, got ${quote(names.join(','))}`)
    }
  }

  private grow(): void {
    const labels = new Uint8Array(this.labels.length * 2)
    labels.set(this.labels)
    const scores = new Float64Array(this.scores.length * 2)
    scores.set(this.scores)
    this.labels = labels
    this.scores = scores
  }

  private fail(detail: string): never {
    throw new ScoresCsvError(this.source, this.lineNo, detail)
  }
}
