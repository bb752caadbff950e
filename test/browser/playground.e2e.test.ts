// @vitest-environment node
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer, type DemoServer } from '../../src/demo/server'
import { SAMPLE_SESSION } from '../../src/demo/samples'
import { chromiumAvailable, expectNoPersonalDataOnPage, launchChromium } from '../support/browser'

describe.skipIf(!chromiumAvailable())('the demo playground (npm run demo)', () => {
  let browser: Browser
  let demo: DemoServer

  beforeAll(async () => {
    browser = await launchChromium()
    demo = await startDemoServer({ distDir: join(__dirname, '../../dist') })
  })
  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  it.each(['', 'lite'])('/%s: playing a session fills every panel, with no page error', async (path) => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
    await page.goto(demo.url + path)
    await expect.poll(() => page.textContent('#problems')).toBe('✓ config is valid')
    await page.click('#play')
    await expect.poll(() => page.textContent('#dl-count')).toBe(`(${SAMPLE_SESSION.length})`)
    await expect.poll(() => page.textContent('#fb-count')).toBe('(6)')
    // js + config from the page's gtag snippet, then one event per Popin event.
    await expect.poll(() => page.textContent('#ga-count')).toBe(`(${2 + SAMPLE_SESSION.length})`)
    const segmentCalls = SAMPLE_SESSION.length + 1 // + identify for the captured lead
    if (path === '') await expect.poll(() => page.textContent('#sg-count'), { timeout: 10_000 }).toBe(`(${segmentCalls})`)
    expect(await page.textContent('#ga')).toContain('gtag("event", "popin_screen_view"')
    expect(errors).toEqual([])
    await expectNoPersonalDataOnPage(page)
    await page.close()
  })

  it('shows config problems inline, with their JSON paths, when a config is applied', async () => {
    const page = await browser.newPage()
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
    await page.goto(demo.url)
    await page.fill('#config', JSON.stringify({ destinations: { ga4: { measurementId: 'UA-1' } } }))
    await page.click('#apply')
    expect(await page.textContent('#problems')).toBe('destinations.ga4.measurementId: must look like "G-XXXXXXX"')
    await page.fill('#config', '{ "destinations": ')
    await page.click('#apply')
    expect(await page.textContent('#problems')).toMatch(/^not valid JSON: /)
    await expectNoPersonalDataOnPage(page)
    await page.close()
  })
})
