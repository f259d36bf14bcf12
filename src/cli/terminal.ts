// What the CLI prints comes partly from files it did not write: folder and class names of a
// dataset, run names, paths in error messages. A name holding terminal control sequences
// (ESC ] … to retitle the window or plant a hyperlink, ESC [ … to move the cursor or hide text,
// bidi overrides to reorder what is shown) would act on the user's terminal. So every write is
// made printable: such characters are shown as escapes (\x1b, \u202e) instead of acting.

/** C0 controls but \t and \n, DEL, C1 controls, and the bidi embedding/override/isolate marks. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** The one sequence the progress bar needs: erase to the end of the line. */
export const ERASE_LINE_END = '\x1b[K'

function escape(ch: string): string {
  const code = ch.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * `text` with every control character shown as an escape. A leading carriage return and
 * erase-to-end-of-line sequences are kept: they are how the progress bar redraws itself, and
 * neither can do more than rewrite the current line.
 */
export function printable(text: string): string {
  const redraw = text.startsWith('\r')
  const body = redraw ? text.slice(1) : text
  const parts = body.split(ERASE_LINE_END).map((part) => part.replace(UNPRINTABLE, escape))
  return (redraw ? '\r' : '') + parts.join(ERASE_LINE_END)
}
