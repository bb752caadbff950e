// @vitest-environment node
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEE_VALIDATE } from '../../src/config/page-check'
import { startDemoServer, type DemoServer } from '../../src/demo/server'
import { SAMPLE_SESSION } from '../../src/demo/samples'
import { chromiumAvailable, expectNoPersonalDataOnPage, launchChromium } from '../support/browser'
import { screenshot } from '../support/screenshot'

/**
 * The timeline the page draws (the debugger, in a shadow root), as text: a sent outcome as its
 * name and its params table (`key=value`), any other as its kind and what it says.
 */
function timelineOf(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector('#timeline')!.shadowRoot!
    const text = (element: Element | null) => (element?.textContent ?? '').replace(/\s+/g, ' ').trim()
    const outcome = (x: HTMLElement) => {
      if (x.dataset.outcome !== 'sent') return `${x.dataset.outcome}: ${text(x).slice(text(x.querySelector('.label')).length).trim()}`
      const params = [...x.querySelectorAll('.params tr')].map((tr) => ` ${text(tr.querySelector('th'))}=${text(tr.querySelector('td'))}`)
      return `sent: ${text(x.querySelector('.name'))}${params.join('')}`
    }
    return {
      problems: root.querySelector('.problems li') ? [...root.querySelectorAll('.problems li')].map(text) : [text(root.querySelector('.problems'))],
      destinations: [...root.querySelectorAll<HTMLElement>('.destination')].map((d) => `${d.dataset.destination} ${d.dataset.state}: ${text(d)}`),
      rows: [...root.querySelectorAll<HTMLElement>('.row')].map((row) => ({
        event: row.dataset.event,
        outcomes: Object.fromEntries(
          [...row.querySelectorAll<HTMLElement>('.destination-outcome')].map((o) => [
            o.dataset.destination,
            [...o.querySelectorAll<HTMLElement>('.outcome')].map(outcome),
          ]),
        ),
      })),
    }
  })
}

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

  async function open(path: string) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    // A 404 is a console error too (the page names its icon: no /favicon.ico asked for).
    page.on('response', (response) => response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`))
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
    await page.goto(demo.url + path)
    return { page, errors }
  }

  it.each(['', 'lite'])('/%s: playing a session fills the timeline and every panel, with no page error', async (path) => {
    const { page, errors } = await open(path)
    await expect.poll(() => page.textContent('#problems')).toBe('✓ config is valid')
    await page.click('#play')
    await expect.poll(() => page.textContent('#dl-count')).toBe(`(${SAMPLE_SESSION.length})`)
    await expect.poll(() => page.textContent('#fb-count')).toBe('(6)')
    // js + config from the page's gtag snippet, then one event per Popin event.
    await expect.poll(() => page.textContent('#ga-count')).toBe(`(${2 + SAMPLE_SESSION.length})`)
    const segmentCalls = SAMPLE_SESSION.length + 1 // + identify for the captured lead
    if (path === '') await expect.poll(() => page.textContent('#sg-count'), { timeout: 10_000 }).toBe(`(${segmentCalls})`)
    expect(await page.textContent('#ga')).toContain('gtag("event", "popin_screen_view"')

    await expect.poll(async () => (await timelineOf(page)).rows.length).toBe(SAMPLE_SESSION.length)
    const { problems, destinations, rows } = await timelineOf(page)
    expect(problems).toEqual(['✓ The config is valid.'])
    expect(rows.map((row) => row.event)).toEqual(SAMPLE_SESSION.map(([name]) => name))
    expect(rows[0]!.outcomes).toEqual({
      facebookPixel: ['skipped: events.nudge_show is false'],
      ga4: ['sent: popin_nudge_show popin_uid=demo-visitor-1'],
      segment: [path === 'lite' ? 'waiting: waiting for analytics' : 'sent: Nudge Shown popin_uid=demo-visitor-1'],
      dataLayer: ['sent: popin.nudge_show uid=demo-visitor-1'],
    })
    if (path === 'lite') {
      // Lite never loads a vendor: the page says so, and Segment's state says why it gets nothing.
      expect(await page.textContent('#lite-note')).toContain('The lite bundle uses only the vendors already on the page')
      expect(destinations).toEqual([
        'facebookPixel ready: Facebook Pixel fbq found on the page',
        'ga4 ready: GA4 gtag found on the page',
        'segment waiting: Segment no analytics on the page: events wait for it, then are dropped',
        'dataLayer ready: GTM dataLayer dataLayer found on the page',
      ])
      // This page view's Segment requests are its own: none, though the / page's session posted some.
      await page.waitForTimeout(800)
      expect(await page.textContent('#sg-count')).toBe('(0)')
    } else {
      expect(destinations).toContain('segment ready: Segment analytics loaded by the bridge')
    }
    expect(errors).toEqual([])
    await expectNoPersonalDataOnPage(page)
    await page.close()
  })

  it('after a whole session under a config with problems: rows, reasons, the disabled destination, fields the policy kept out', async () => {
    const { page, errors } = await open('')
    const config = JSON.parse((await page.inputValue('#config')) as string)
    config.destinations.ga4.measurementId = 'UA-1'
    config.destinations.segment.personalData = 'omit'
    config.readyTimeoutMs = 'soon'
    await page.fill('#config', JSON.stringify(config, null, 2))
    await page.click('#apply')
    // The schema's messages, from the demo server (popin-bridge validate); the page checks shapes only.
    await expect.poll(() => page.textContent('#problems')).toBe('readyTimeoutMs: must be a whole number from 0 to 600000\ndestinations.ga4.measurementId: must look like "G-XXXXXXX"')
    await page.click('#play')
    await expect.poll(async () => (await timelineOf(page)).rows.length).toBe(SAMPLE_SESSION.length)

    const { problems, destinations, rows } = await timelineOf(page)
    // Each problem with its JSON path and what the bridge does instead.
    // In the config's own order.
    expect(problems).toEqual([
      `destinations.ga4.measurementId ${SEE_VALIDATE}: ga4 is off until it is fixed; the other destinations run`,
      `readyTimeoutMs ${SEE_VALIDATE}: the default is used instead`,
    ])
    expect(destinations).toContain('ga4 disabled: ga4 off: a config problem at destinations.ga4.measurementId')
    const lead = rows.find((row) => row.event === 'popin_captured')!
    expect(lead.outcomes.ga4).toEqual([`disabled: a config problem at destinations.ga4.measurementId (${SEE_VALIDATE})`])
    expect(lead.outcomes.facebookPixel).toEqual(['sent: Lead content_name=Popin lead form content_category=sofas'])
    expect(lead.outcomes.segment).toEqual([
      'dropped: kept out name, email, mobile, city, pin_code',
      'sent: identify address={"country":"GB"} popin_group=sofas',
      'sent: Lead Captured popin_uid=demo-visitor-1 group=sofas',
    ])
    expect(rows.find((row) => row.event === 'nudge_close')!.outcomes.facebookPixel).toEqual(['skipped: events.nudge_close is false'])

    // Filter by destination: only Segment's outcomes remain under each event.
    await page.locator('#timeline select').selectOption('segment')
    await expect.poll(async () => Object.keys((await timelineOf(page)).rows[0]!.outcomes)).toEqual(['segment'])
    await page.locator('#timeline select').selectOption('')
    await expect.poll(async () => Object.keys((await timelineOf(page)).rows[0]!.outcomes)).toEqual(['facebookPixel', 'segment', 'dataLayer', 'ga4'])

    // The README's screenshot: the timeline's top, checked for what it must show at that moment.
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.locator('#timeline .row[data-event="nudge_show"]').scrollIntoViewIfNeeded()
    await expect.poll(() => page.locator('#timeline .problems').textContent()).toContain('The config has 2 problems')
    expect(await page.locator('#timeline .destination.disabled').count()).toBe(1)
    expect(await page.locator('#timeline .row').first().locator('.outcome.skipped').count()).toBe(1)
    await screenshot(page, 'playground.png', { width: 1440, height: 1000 })
    expect(errors).toEqual([])
    await expectNoPersonalDataOnPage(page)
    await page.close()
  })

  it('shows config problems inline, with their JSON paths, when a config is applied', async () => {
    const { page } = await open('')
    await page.fill('#config', JSON.stringify({ destinations: { ga4: { measurementId: 'UA-1' } } }))
    await page.click('#apply')
    await expect.poll(() => page.textContent('#problems')).toBe('destinations.ga4.measurementId: must look like "G-XXXXXXX"')
    await page.fill('#config', '{ "destinations": ')
    await page.click('#apply')
    expect(await page.textContent('#problems')).toMatch(/^not valid JSON: /)
    await expectNoPersonalDataOnPage(page)
    await page.close()
  })
})
