/**
 * End to end in a real browser: Debian's Chromium (playwright-core) against the web host
 * (`npm run serve`'s entry) with the real trainer. Quick start → progress → stop → resume →
 * stop → evaluation (ROC + metrics) → ONNX export whose validation passes; a broken dataset
 * shows its problems; requests without the token are refused. Screenshots of every view in
 * light and dark go to test-results/screenshots/.
 *
 * Needs the built renderer (npm test builds it first) and /usr/bin/chromium; without
 * Chromium the suite fails with the install command rather than skipping quietly.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import WebSocket from 'ws'
import { launchChromium, SCREENSHOTS, screenshotBothThemes } from './browser'
import { startHost, type RunningHost } from './webHost'

const STEP_TIMEOUT = 180_000

let tmp: string
let host: RunningHost
let browser: Browser
let context: BrowserContext
let page: Page
const pageErrors: string[] = []
const consoleErrors: string[] = []
const shots: string[] = []

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dsoftmax-e2e-'))
  browser = await launchChromium()
  host = await startHost({ workspace: join(tmp, 'workspace'), settingsFile: join(tmp, 'settings.json') })
  context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' })
  page = await context.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
}, 120_000)

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await host?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
}, 60_000)

/** On failure: what the page showed and what the host printed, next to the screenshots. */
function diagnoseFailures(name: string): void {
  onTestFailed(async () => {
    await page?.screenshot({ path: join(SCREENSHOTS, `FAILED-${name}.png`), fullPage: true }).catch(() => undefined)
    console.error(
      `[e2e] ${name} failed; page errors: ${JSON.stringify(pageErrors)}; console errors: ${JSON.stringify(consoleErrors)}\n[e2e] web host output (tail):\n${host?.output().slice(-6000)}`
    )
  })
}

/** Text of a data-test element. */
async function text(testId: string): Promise<string> {
  return (await page.locator(`[data-test=${testId}]`).first().textContent()) ?? ''
}

async function currentStep(): Promise<number> {
  const match = /^([\d,]+)/.exec((await text('step')).trim())
  return match ? Number(match[1].replace(/,/g, '')) : 0
}

async function waitForPhase(phase: string): Promise<void> {
  await page.locator('[data-test=phase]', { hasText: phase }).waitFor({ timeout: STEP_TIMEOUT })
}

async function waitForStepAbove(step: number): Promise<number> {
  const deadline = Date.now() + STEP_TIMEOUT
  for (;;) {
    const now = await currentStep()
    if (now > step) return now
    if (Date.now() > deadline)
      throw new Error(`training did not pass step ${step} within ${STEP_TIMEOUT / 1000} s; host output:\n${host.output()}`)
    await page.waitForTimeout(500)
  }
}

async function brokenDataset(): Promise<string> {
  const root = join(tmp, 'broken-faces')
  const png = (shade: number): Promise<Buffer> =>
    sharp({ create: { width: 32, height: 32, channels: 3, background: { r: shade, g: 255 - shade, b: 90 } } })
      .png()
      .toBuffer()
  for (const [identity, files] of Object.entries({ alice: ['a1.png', 'a2.png'], bob: ['b1.png', 'b2.png'], carol: ['c1.png'] })) {
    mkdirSync(join(root, identity), { recursive: true })
    for (const [i, file] of files.entries()) writeFileSync(join(root, identity, file), await png(40 * i + identity.length * 20))
  }
  const whole = await png(200)
  writeFileSync(join(root, 'alice', 'cut.png'), whole.subarray(0, Math.floor(whole.length / 2)))
  writeFileSync(join(root, 'alice', 'notes.txt'), 'not an image')
  return root
}

describe('the web host refuses requests without its token', () => {
  it('API calls, page loads and the event socket all need the token', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${host.url}api/app:info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"args":[]}'
      })
    const refused = await call({})
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain('token')
    expect((await call({ 'x-dsoftmax-token': 'wrong' })).status).toBe(401)
    const allowed = await call({ 'x-dsoftmax-token': host.token })
    expect(allowed.status).toBe(200)
    expect(((await allowed.json()) as { value: { host: string } }).value.host).toBe('web')

    const pageWithoutToken = await fetch(host.url)
    expect(pageWithoutToken.status).toBe(401)

    const socketStatus = await new Promise<number>((done, fail) => {
      const socket = new WebSocket(`${host.url.replace('http', 'ws')}events`)
      socket.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0))
      socket.on('open', () => fail(new Error('socket opened without a token')))
      socket.on('error', () => undefined)
    })
    expect(socketStatus).toBe(401)
  })
})

describe('the app in Chromium', () => {
  it('opens with the token and shows Home, New run and a broken dataset’s problems', async () => {
    diagnoseFailures('views')
    await page.goto(host.loginUrl)
    await page.locator('[data-test=product]').waitFor()
    await page.locator('[data-test=workspace-path]').waitFor()
    expect(await text('workspace-path')).toContain(join(tmp, 'workspace'))
    shots.push(...(await screenshotBothThemes(page, '01-home-empty')))

    await page.locator('[data-test=nav-new-run]').click()
    await page.locator('[data-test=estimate-memory]').waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-test=loss-card]').textContent()).toContain('25.84°')
    shots.push(...(await screenshotBothThemes(page, '02-new-run')))
    await page.locator('[data-test=knob-d]').fill('1.5')
    await page.locator('[data-test=knob-d-problem]').waitFor()
    expect(await text('knob-d-problem')).toContain('between 0 and 1')
    expect(await page.locator('[data-test=start]').isDisabled()).toBe(true)
    shots.push(...(await screenshotBothThemes(page, '03-new-run-refused')))
    await page.locator('[data-test=knob-d]').fill('0.9')

    const broken = await brokenDataset()
    await page.locator('[data-test=nav-datasets]').click()
    await page.locator('[data-test=dataset-path]').fill(broken)
    await page.locator('[data-test=dataset-add]').click()
    await page.locator('[data-test=problems]').waitFor({ timeout: 60_000 })
    const problems = await page.locator('[data-test=problem]').allTextContents()
    expect(problems.some((p) => p.includes(join(broken, 'alice', 'cut.png')))).toBe(true)
    expect(problems.some((p) => p.includes('carol'))).toBe(true)
    shots.push(...(await screenshotBothThemes(page, '04-datasets-broken')))
  }, 240_000)

  it('quick start → progress → stop → resume → evaluation → ONNX export that validates', async () => {
    diagnoseFailures('training')
    await page.locator('[data-test=nav-home]').click()
    await page.locator('[data-test=quick-start]').click()
    await page.waitForURL(/#\/training\/[\w.-]+$/, { timeout: 60_000 })
    const runId = decodeURIComponent(page.url().split('/training/')[1])
    const first = await waitForStepAbove(2)
    await waitForStepAbove(first) // the charts have several points
    expect(await text('run-backend')).toMatch(/wasm|cpu|tensorflow|node/)
    expect(await text('throughput')).toMatch(/img\/s/)
    shots.push(...(await screenshotBothThemes(page, '05-training-running')))

    await page.locator('[data-test=stop]').click()
    await waitForPhase('stopped')
    const stoppedAt = await currentStep()
    await page.locator('[data-test=resume-run]').click()
    await waitForStepAbove(stoppedAt)
    shots.push(...(await screenshotBothThemes(page, '06-training-resumed')))
    await page.locator('[data-test=stop]').click()
    await waitForPhase('stopped')
    shots.push(...(await screenshotBothThemes(page, '07-training-stopped')))

    await page.goto(`${host.url}#/evaluation/${encodeURIComponent(runId)}`)
    // A stopped run has only its last checkpoint: the picker offers (and picks) what exists.
    await page.locator('[data-test=checkpoint] option[value=last]').waitFor({ state: 'attached' })
    await page.locator('[data-test=evaluate]').click()
    await page.locator('[data-test=metrics-row]').waitFor({ timeout: STEP_TIMEOUT })
    const auc = Number(await text('auc'))
    expect(auc).toBeGreaterThan(0)
    expect(auc).toBeLessThanOrEqual(1)
    expect(await page.locator('[data-test=roc] canvas').count()).toBeGreaterThan(0)
    expect(await page.locator('[data-test=roc] .u-legend').textContent()).toContain('AUC')
    // The threshold picker: FAR = 1e-1 is reachable on a few hundred impostor pairs.
    await page.locator('[data-test=far-target]').selectOption('0.1')
    expect(await text('operating-point')).toMatch(/threshold -?\d\.\d{4} · TAR/)
    await page.locator('[data-test=show-embedding]').click()
    await page.locator('[data-test=scatter], [data-test=sphere]').first().waitFor({ timeout: STEP_TIMEOUT })
    shots.push(...(await screenshotBothThemes(page, '08-evaluation')))

    await page.goto(`${host.url}#/export/${encodeURIComponent(runId)}`)
    await page.locator('[data-test=export-onnx]').click()
    await page.locator('[data-test=onnx-verdict]').waitFor({ timeout: STEP_TIMEOUT })
    expect(await text('onnx-verdict')).toContain('Validation passed')
    shots.push(...(await screenshotBothThemes(page, '09-export')))

    await page.locator('[data-test=nav-home]').click()
    await page.locator('[data-test=run-row]').first().waitFor()
    shots.push(...(await screenshotBothThemes(page, '10-home-with-run')))

    expect(pageErrors, `uncaught errors in the page: ${pageErrors.join('\n')}`).toEqual([])
    const cspViolations = consoleErrors.filter((m) => /Content Security Policy/i.test(m))
    expect(cspViolations, cspViolations.join('\n')).toEqual([])
  }, 900_000)

  it("a New-run recipe (the paper's Figure 1, 3-D, a few steps) trains to the end and shows a rotatable sphere", async () => {
    diagnoseFailures('sphere')
    if (!page.url().startsWith(host.url)) await page.goto(host.loginUrl) // when run alone (-t sphere)
    await page.locator('[data-test=nav-new-run]').click()
    await page.locator('[data-test=preset]').selectOption('figure1-dsoftmax')
    await page.locator('[data-test=steps]').fill('6')
    await page.locator('[data-test=run-name]').fill('figure 1 sphere')
    expect(await page.locator('[data-test=embedding-dim]').inputValue()).toBe('3')
    await page.locator('[data-test=start]:not([disabled])').waitFor({ timeout: 60_000 })
    await page.locator('[data-test=start]').click()
    await page.waitForURL(/#\/training\/[\w.-]+$/, { timeout: 120_000 })
    const runId = decodeURIComponent(page.url().split('/training/')[1])
    await waitForPhase('finished')
    await page.locator('[data-test=run-title]', { hasText: 'figure 1 sphere' }).waitFor({ timeout: 30_000 })

    await page.goto(`${host.url}#/evaluation/${encodeURIComponent(runId)}`)
    await page.locator('[data-test=show-embedding]:not([disabled])').click()
    const sphere = page.locator('[data-test=sphere]')
    await sphere.waitFor({ timeout: STEP_TIMEOUT })
    await sphere.scrollIntoViewIfNeeded()
    const before = await sphere.screenshot()
    const box = await sphere.boundingBox()
    if (!box) throw new Error('the sphere has no box')
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2 + 90, box.y + box.height / 2 + 40, { steps: 6 })
    await page.mouse.up()
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))')
    const after = await sphere.screenshot()
    expect(after.equals(before), 'dragging should rotate the sphere').toBe(false)
    shots.push(...(await screenshotBothThemes(page, '11-evaluation-sphere')))
    expect(pageErrors, pageErrors.join('\n')).toEqual([])
  }, 600_000)
  it('the Figure 1 view runs the four trainings with progress and shows four spheres and the angle table', async () => {
    diagnoseFailures('study')
    if (!page.url().startsWith(host.url)) await page.goto(host.loginUrl) // when run alone (-t study)
    await page.locator('[data-test=nav-study]').click()
    await page.locator('[data-test=study-steps]').fill('40')
    await page.locator('[data-test=study-run]').click()
    await page.locator('[data-test=study-progress]').waitFor({ timeout: 30_000 })
    await page.locator('[data-test=study-table]').waitFor({ timeout: STEP_TIMEOUT * 2 })
    expect(await page.locator('[data-test=study-sphere]').count()).toBe(4)
    const column = (n: number): Promise<string[]> =>
      page.locator(`[data-test=study-table] tbody td:nth-child(${n})`).allTextContents()
    expect(await column(1)).toEqual([
      'Softmax, 5 classes',
      'D-Softmax s=10, 5 classes',
      'Softmax, 10 classes',
      'D-Softmax s=10, 10 classes'
    ])
    expect(await column(2)).toEqual(['01234', '01234', '0123456789', '0123456789'])
    expect(await column(6)).toEqual(['40', '40', '40', '40']) // the steps asked for
    for (const angle of await column(3)) expect(angle).toMatch(/^\d+\.\d° \(\d+\.\d°\)$/)
    await page.locator('[data-test=study-spheres]').scrollIntoViewIfNeeded()
    shots.push(...(await screenshotBothThemes(page, '12-figure1-study')))
    expect(pageErrors, pageErrors.join('\n')).toEqual([])
  }, 900_000)

  it('the Sweeps view runs a two-run local sweep to the end and compares it as a table and a plot', async () => {
    diagnoseFailures('sweeps')
    if (!page.url().startsWith(host.url)) await page.goto(host.loginUrl) // when run alone (-t Sweeps)
    await page.locator('[data-test=nav-sweeps]').click()
    await page.locator('[data-test=sweep-preset]').selectOption('fonts-quick')
    await page.locator('[data-test=sweep-field]').first().fill('steps')
    await page.locator('[data-test=sweep-values]').first().fill('4, 6')
    await page.locator('[data-test=sweep-count]', { hasText: '2 runs' }).waitFor({ timeout: 30_000 })
    expect(await text('sweep-estimate')).toMatch(/of training in all/)
    await page.locator('[data-test=sweep-start]').click()
    await page.locator('[data-test=sweep-status]').waitFor({ timeout: 30_000 })
    // One run at a time (K = 1): both finish, then the results fill the table and the plot.
    await page.locator('[data-test=sweep-result]:has-text("steps-6") >> text=/0\\.\\d{4}/').waitFor({ timeout: STEP_TIMEOUT })
    expect(await page.locator('[data-test=sweep-run-state]').allTextContents()).toEqual(['finished', 'finished'])
    const aucs = await page.locator('[data-test=sweep-result] td:nth-child(3)').allTextContents()
    for (const auc of aucs) expect(Number(auc)).toBeGreaterThan(0.4)
    expect(await page.locator('[data-test=sweep-compare] [data-test=chart] canvas').count()).toBe(1)
    shots.push(...(await screenshotBothThemes(page, '13-sweeps')))
    expect(pageErrors, pageErrors.join('\n')).toEqual([])
  }, 600_000)
})
