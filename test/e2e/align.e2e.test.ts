/**
 * End to end in a real browser: the Datasets view's "Align faces…" against the web host, on a
 * folder with a face photo and a photo without one: the crops and the rejected photo show, and
 * the aligned folder joins the workspace's datasets. Screenshots in light and dark go to
 * test-results/screenshots/. Needs the built renderer and /usr/bin/chromium (see app.e2e.test.ts).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { writeFacePhotos } from '../unit/align/fixtures'
import { launchChromium, SCREENSHOTS, screenshotBothThemes } from './browser'
import { startHost, type RunningHost } from './webHost'

let tmp: string
let host: RunningHost
let browser: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dsoftmax-e2e-align-'))
  const photos = writeFacePhotos().dir
  mkdirSync(join(tmp, 'photos', 'astronaut'), { recursive: true })
  mkdirSync(join(tmp, 'photos', 'things'), { recursive: true })
  copyFileSync(join(photos, 'astronaut.png'), join(tmp, 'photos', 'astronaut', 'front.png'))
  copyFileSync(join(photos, 'moved-rot-20.png'), join(tmp, 'photos', 'astronaut', 'tilted.png'))
  copyFileSync(join(photos, 'coffee.png'), join(tmp, 'photos', 'things', 'coffee.png'))
  browser = await launchChromium()
  host = await startHost({ workspace: join(tmp, 'workspace'), settingsFile: join(tmp, 'settings.json') })
  context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' })
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await host?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
}, 60_000)

describe('Align faces in the Datasets view', () => {
  it('aligns a folder of photos, shows the crops and the rejects, and adds the aligned folder', async () => {
    onTestFailed(async () => {
      await page?.screenshot({ path: join(SCREENSHOTS, 'FAILED-align.png'), fullPage: true }).catch(() => undefined)
      console.error(`[e2e] web host output (tail):\n${host?.output().slice(-6000)}`)
    })
    await page.goto(host.loginUrl)
    await page.locator('[data-test=nav-datasets]').click()
    await page.locator('[data-test=align-open]').click()
    await page.locator('[data-test=align-source]').fill(join(tmp, 'photos'))
    await page.locator('[data-test=align-target]').fill(join(tmp, 'aligned'))
    await page.locator('[data-test=align-run]').click()
    await page.locator('[data-test=alignment]').waitFor({ timeout: 240_000 })
    expect(await page.locator('[data-test=align-aligned]').textContent()).toBe('2')
    expect(await page.locator('[data-test=align-rejected]').textContent()).toBe('1')
    expect(await page.locator('[data-test=align-crops] img').count()).toBe(2)
    expect(await page.locator('[data-test=align-rejects] figure').textContent()).toContain('no face')
    const rows = await page.locator('[data-test=dataset-row]').allTextContents()
    expect(rows.some((row) => row.includes(join(tmp, 'aligned')))).toBe(true)
    await screenshotBothThemes(page, '13-datasets-aligned')
  }, 300_000)
})
