/**
 * Debian's Chromium driven by playwright-core. No bundled browser is downloaded: when
 * /usr/bin/chromium is missing the end-to-end tests fail, saying how to install it.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { REPO } from './webHost'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SCREENSHOTS = resolve(REPO, 'test-results/screenshots')

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `Chromium is not installed at ${CHROMIUM}: the end-to-end tests need Debian's Chromium (apt-get update && apt-get install -y chromium), or set CHROMIUM_PATH.`
}

export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing()
  if (missing) throw new Error(missing)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/** Saves the page in the light and the dark theme: test-results/screenshots/<name>-<scheme>.png. */
export async function screenshotBothThemes(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const paths: string[] = []
  // From the top, so the sticky navigation sits where a user sees it.
  await page.evaluate('window.scrollTo(0, 0)')
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    // Canvas charts repaint on the scheme change at the next animation frame.
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))')
    const path = resolve(SCREENSHOTS, `${name}-${colorScheme}.png`)
    await page.screenshot({ path, fullPage: true })
    paths.push(path)
  }
  await page.emulateMedia({ colorScheme: 'light' })
  return paths
}
