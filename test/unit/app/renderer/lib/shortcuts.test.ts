import { describe, expect, it } from 'vitest'
import { displayCombo, findShortcut, matches, type KeyLike, type Shortcut } from '../../../../../src/renderer/src/lib/shortcuts'
import { explainKnob, knobAngle } from '../../../../../src/renderer/src/lib/lossKnobs'
import { LOSS_KNOBS } from '../../../../../src/common/schemas/recipe'
import { formatBytes, formatDuration, formatFar, formatNumber } from '../../../../../src/renderer/src/lib/format'

const key = (k: string, extra: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...extra
})

describe('shortcuts', () => {
  it('matches Mod as Ctrl off macOS and ⌘ on macOS', () => {
    expect(matches('Mod+Enter', key('Enter', { ctrlKey: true }), false)).toBe(true)
    expect(matches('Mod+Enter', key('Enter', { metaKey: true }), false)).toBe(false)
    expect(matches('Mod+Enter', key('Enter', { metaKey: true }), true)).toBe(true)
    expect(matches('Alt+2', key('™', { altKey: true, code: 'Digit2' }), true)).toBe(true)
    expect(matches('Alt+2', key('2'), false)).toBe(false)
    expect(displayCombo('Mod+Enter', true)).toBe('⌘+Enter')
  })

  it('does not fire plain-key shortcuts while typing in a field', () => {
    let ran = ''
    const list: Shortcut[] = [
      { combo: 'p', description: 'pause', run: () => (ran = 'p') },
      { combo: 'Mod+Enter', description: 'start', run: () => (ran = 'start') }
    ]
    const input = { tagName: 'INPUT' } as unknown as EventTarget
    expect(findShortcut(list, { ...key('p'), target: input }, false)).toBeNull()
    findShortcut(list, { ...key('Enter', { ctrlKey: true }), target: input }, false)?.run()
    expect(ran).toBe('start')
    findShortcut(list, { ...key('p'), target: null }, false)?.run()
    expect(ran).toBe('p')
  })
})

describe('loss knobs', () => {
  it('explains every knob of every loss in one line', () => {
    for (const [loss, knobs] of Object.entries(LOSS_KNOBS)) {
      for (const knob of knobs) {
        const text = explainKnob(knob, loss)
        expect(text.length).toBeGreaterThan(20)
        expect(text).not.toContain('\n')
      }
    }
  })

  it('shows margins in degrees and radians', () => {
    expect(knobAngle('m', 'arcface', 0.5)).toBe('margin 0.5 rad = 28.65°')
    expect(knobAngle('d', 'dsoftmax', 0.9)).toContain('25.84°')
    expect(knobAngle('s', 'dsoftmax', 30)).toBeNull()
    expect(knobAngle('d', 'dsoftmax', 1.5)).toBeNull()
  })
})

describe('format', () => {
  it('formats durations, numbers, sizes and FAR levels', () => {
    expect(formatDuration(59.4)).toBe('59 s')
    expect(formatDuration(125)).toBe('2 min 05 s')
    expect(formatDuration(3 * 3600 + 60)).toBe('3 h 01 min')
    expect(formatDuration(Number.NaN)).toBe('—')
    expect(formatNumber(0.123456)).toBe('0.1235')
    expect(formatNumber(2e-5)).toBe('2.00e-5')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatFar(1e-3)).toBe('1e-3')
  })
})
