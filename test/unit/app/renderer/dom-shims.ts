/**
 * jsdom lacks matchMedia, which uPlot calls when its module loads. Import this first in
 * component tests. Charts themselves are stubbed there (jsdom has no canvas).
 */
if (typeof window !== 'undefined' && typeof window.matchMedia !== 'function') {
  window.matchMedia = (query: string): MediaQueryList =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      addListener: () => undefined,
      removeListener: () => undefined,
      dispatchEvent: () => false
    }) as MediaQueryList
}
export {}

// jsdom has no canvas; the views draw only when a 2-D context exists, so "none" is honest.
if (typeof HTMLCanvasElement !== 'undefined') {
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext
}
