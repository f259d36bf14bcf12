// The common shape of a bad-input error in a data file: it names the file (or the file and
// record) and says what is wrong, as `file: problem`. Subclasses only give it their own name.
export abstract class FileProblemError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string
  ) {
    super(`${file}: ${problem}`)
  }
}
