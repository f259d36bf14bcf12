// The Python the tests check against: $PYTHON when set (CI on Windows and macOS installs one
// with numpy and Pillow), else Debian's /usr/bin/python3.
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3'
