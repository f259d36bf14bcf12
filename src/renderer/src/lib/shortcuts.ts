/**
 * Keyboard shortcuts: combos like "Mod+Enter", "Alt+2", "Shift+?" matched against key
 * events. "Mod" is Ctrl, or ⌘ on macOS. Plain-letter shortcuts never fire while the user
 * types in a field.
 */
export interface Shortcut {
  combo: string
  description: string
  run: () => void
}

interface ParsedCombo {
  key: string
  mod: boolean
  alt: boolean
  shift: boolean
}

export function parseCombo(combo: string): ParsedCombo {
  const parts = combo.split('+')
  const key = parts.pop() ?? ''
  const mods = new Set(parts.map((p) => p.toLowerCase()))
  return { key: key.toLowerCase(), mod: mods.has('mod'), alt: mods.has('alt'), shift: mods.has('shift') }
}

export interface KeyLike {
  key: string
  code?: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  shiftKey: boolean
}

/** The key an event stands for; Alt+digit uses the physical key since Alt changes `key` on macOS. */
function eventKey(event: KeyLike): string {
  if (event.code && /^Digit\d$/.test(event.code)) return event.code.slice(5)
  return event.key.toLowerCase()
}

export function matches(combo: string, event: KeyLike, isMac: boolean): boolean {
  const parsed = parseCombo(combo)
  const mod = isMac ? event.metaKey : event.ctrlKey
  const otherMod = isMac ? event.ctrlKey : event.metaKey
  if (parsed.mod !== mod || otherMod || parsed.alt !== event.altKey) return false
  // "?" already implies Shift on most layouts: only check Shift for letters and named keys.
  if (parsed.key.length > 1 || /[a-z0-9]/.test(parsed.key)) {
    if (parsed.shift !== event.shiftKey) return false
  }
  return eventKey(event) === parsed.key
}

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false
  const element = target as HTMLElement
  const tag = element.tagName.toLowerCase()
  return tag === 'input' || tag === 'textarea' || tag === 'select' || element.isContentEditable === true
}

/** Shortcut text for display: "Ctrl+Enter" or "⌘+Enter". */
export function displayCombo(combo: string, isMac: boolean): string {
  return combo.replace('Mod', isMac ? '⌘' : 'Ctrl')
}

/** Finds the shortcut to run for an event, or null (modifier-less ones not while typing). */
export function findShortcut(
  shortcuts: readonly Shortcut[],
  event: KeyLike & { target?: EventTarget | null },
  isMac: boolean
): Shortcut | null {
  for (const shortcut of shortcuts) {
    if (!matches(shortcut.combo, event, isMac)) continue
    const parsed = parseCombo(shortcut.combo)
    if (!parsed.mod && !parsed.alt && isTypingTarget(event.target ?? null)) continue
    return shortcut
  }
  return null
}
