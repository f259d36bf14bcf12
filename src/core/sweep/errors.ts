/** A problem the user can act on (a bad plan, an unknown sweep or run): hosts show its message as is. */
export class SweepError extends Error {
  override name = 'SweepError'
}
