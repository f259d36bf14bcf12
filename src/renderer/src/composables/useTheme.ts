/**
 * The system colour scheme as a reactive value (the CSS switches by itself through
 * prefers-color-scheme; canvas charts need to know to repaint), and CSS variable lookup.
 */
import { onBeforeUnmount, ref, type Ref } from 'vue'

export type Scheme = 'light' | 'dark'

const DARK_QUERY = '(prefers-color-scheme: dark)'

function query(): MediaQueryList | null {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null
}

export function useScheme(): Ref<Scheme> {
  const media = query()
  const scheme = ref<Scheme>(media?.matches ? 'dark' : 'light')
  const update = (event: MediaQueryListEvent): void => {
    scheme.value = event.matches ? 'dark' : 'light'
  }
  media?.addEventListener('change', update)
  onBeforeUnmount(() => media?.removeEventListener('change', update))
  return scheme
}

/** The current value of a theme variable, e.g. cssVar('--series-1'); `fallback` outside a DOM. */
export function cssVar(name: string, fallback = '#888'): string {
  if (typeof document === 'undefined' || typeof getComputedStyle !== 'function') return fallback
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return value || fallback
}

export const SERIES_VARS = ['--series-1', '--series-2', '--series-3', '--series-4', '--series-5', '--series-6'] as const

export function seriesColour(index: number): string {
  return cssVar(SERIES_VARS[index % SERIES_VARS.length])
}
