/**
 * Registers shortcuts while a component is mounted; one window listener serves them all.
 * The registry is reactive so the help panel lists what applies on the current view.
 */
import { onBeforeUnmount, onMounted, shallowRef } from 'vue'
import { findShortcut, type Shortcut } from '../lib/shortcuts'

export const activeShortcuts = shallowRef<readonly Shortcut[]>([])

export function isMacPlatform(): boolean {
  return typeof navigator !== 'undefined' && /mac/i.test(navigator.platform || navigator.userAgent)
}

let listening = false

function onKeyDown(event: KeyboardEvent): void {
  const shortcut = findShortcut(activeShortcuts.value, event, isMacPlatform())
  if (!shortcut) return
  event.preventDefault()
  shortcut.run()
}

export function useShortcuts(shortcuts: readonly Shortcut[]): void {
  onMounted(() => {
    // Latest registration first, so a view's shortcut wins over the shell's for the same combo.
    activeShortcuts.value = [...shortcuts, ...activeShortcuts.value]
    if (!listening && typeof window !== 'undefined') {
      window.addEventListener('keydown', onKeyDown)
      listening = true
    }
  })
  onBeforeUnmount(() => {
    activeShortcuts.value = activeShortcuts.value.filter((s) => !shortcuts.includes(s))
  })
}
