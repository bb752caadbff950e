// @vitest-environment node
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CONFIG,
  EXPECTED_DATALAYER_EVENTS,
  EXPECTED_FBQ,
  EXPECTED_GTAG_EVENTS,
  EXPECTED_SEGMENT,
  FIXED_IDS,
  SESSION,
} from '../fixtures/session'
import { FBQ_SNIPPET, GTAG_SNIPPET, SEGMENT_SNIPPET } from '../fixtures/vendor-snippets'
import { chromiumAvailable, expectNoPersonalDataOnPage, useChromiumAndPages } from '../support/browser'
import { expectNoPersonalData } from '../support/personal-data'

const BUNDLES = ['popin-bridge.lite.min.js', 'popin-bridge.min.js'] as const
const WRITE_KEY = 'e2eWriteKey0001'

/** Records uncaught errors and unhandled rejections before anything else runs. */
const WATCH_ERRORS = `<script>window.__errors = [];
addEventListener('error', function (e) { __errors.push('error: ' + e.message) });
addEventListener('unhandledrejection', function (e) { __errors.push('unhandled rejection: ' + e.reason) });</script>`

/** A stand-in for the Popin widget: it calls window.popinEvent as the real one does. */
const POPIN_WIDGET = `<script>window.simulatePopin = function (steps) {
  steps.forEach(function (step) { if (typeof window.popinEvent === 'function') window.popinEvent(step[0], step[1]) })
}</script>`

function shopHtml(head: string, body = ''): string {
  return `<!doctype html><html><head><title>Blue Sofa</title>${WATCH_ERRORS}${POPIN_WIDGET}<script>${FIXED_IDS}</script>${head}</head><body><p>shop</p>${body}</body></html>`
}

const script = (code: string) => `<script>${code}</script>`
const configScript = (config: unknown) => script(`window.popinBridgeConfig = ${JSON.stringify(config)}`)

/**
 * What the page's vendors hold: the Pixel queue, gtag's commands, dataLayer events, Segment's
 * queue. Every read also checks that GA4 and Facebook got no personal data in clear.
 */
async function readVendors(page: Page) {
  const vendors = await page.evaluate(() => {
    const w = window as any
    const plain = (list: any) => Array.from(list ?? [], (args: any) => JSON.parse(JSON.stringify(Array.from(args))))
    const layer: any[] = w.dataLayer ?? []
    return {
      fbq: plain(w.fbq?.queue),
      gtag: plain(layer.filter((entry) => entry && typeof entry.length === 'number')),
      events: layer.filter((entry) => entry && entry.event),
      segmentQueue: Array.isArray(w.analytics) ? w.analytics.map((call: any[]) => call.slice(0, -1)) : undefined,
      errors: w.__errors as string[],
    }
  })
  expectNoPersonalData('GA4', vendors.gtag)
  expectNoPersonalData('Facebook', vendors.fbq)
  return vendors
}

/** The official snippets' queues after SESSION: exactly what each vendor would receive. */
async function expectWholeSessionOnPageVendors(page: Page, pageErrors: string[]) {
  const vendors = await readVendors(page)
  expect(vendors.fbq).toEqual(EXPECTED_FBQ)
  expect(vendors.gtag.slice(1)).toEqual([['config', 'G-PAGE1234'], ...EXPECTED_GTAG_EVENTS])
  expect(vendors.events).toEqual(EXPECTED_DATALAYER_EVENTS)
  expect(vendors.segmentQueue).toEqual(EXPECTED_SEGMENT)
  expect([...pageErrors, ...vendors.errors]).toEqual([])
}

const available = chromiumAvailable()

describe.skipIf(!available)('the drop-in bundles in Chromium', () => {
  const shared = useChromiumAndPages(beforeAll, afterAll)

  /** A fresh page where nothing reaches the internet: vendor URLs are answered or aborted here. */
  async function openPage(url: string, options: { block?: boolean } = {}) {
    const context = await shared.browser.newContext()
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
      options.block || !route.request().url().includes('googletagmanager.com/gtag/js')
        ? route.abort()
        : route.fulfill({ status: 200, contentType: 'text/javascript', body: '/* gtag.js stand-in */' }),
    )
    await page.goto(url)
    return { page, pageErrors, close: () => context.close() }
  }

  const playSession = (page: Page) => page.evaluate((steps) => (window as any).simulatePopin(steps), SESSION)
  const src = (bundle: string) => `<script src="/dist/${bundle}"></script>`

  describe.each(BUNDLES)('%s', (bundle) => {
    it('with the official snippets on the page: a whole session, the exact ordered calls per destination', async () => {
      const { page, pageErrors, close } = await openPage(
        shared.server.page(shopHtml(script(FBQ_SNIPPET) + script(GTAG_SNIPPET) + script(SEGMENT_SNIPPET) + configScript(CONFIG) + src(bundle))),
      )
      await playSession(page)
      await expectWholeSessionOnPageVendors(page, pageErrors)
      await expectNoPersonalDataOnPage(page)
    await close()
    })

    it('in <head> before <body> exists, loaded twice, beside page handlers set before and after it', async () => {
      const before = script(`window.__seen = []; window.popinEvent = function (e) { __seen.push('before:' + e) }`)
      const after = script(`var previous = window.popinEvent; window.popinEvent = function (e, d) { __seen.push('after:' + e); previous(e, d) }`)
      const early = script(`window.popinEvent('popin_call_end', { uid: 'u-1', callId: 'early-1' })`)
      const { page, pageErrors, close } = await openPage(
        shared.server.page(shopHtml(script(FBQ_SNIPPET) + before + configScript(CONFIG) + src(bundle) + src(bundle) + after + early)),
      )
      await page.evaluate(() => (window as any).simulatePopin([['nudge_open', { uid: 'u-1' }]]))
      const vendors = await readVendors(page)
      expect(vendors.fbq.slice(2)).toEqual([
        ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'early-1' }, { eventID: 'popin_call_end.00.0' }],
      ])
      expect(vendors.events.map((e: any) => e.event)).toEqual(['popin.popin_call_end', 'popin.nudge_open'])
      expect(await page.evaluate(() => (window as any).__seen)).toEqual(['after:popin_call_end', 'before:popin_call_end', 'after:nudge_open', 'before:nudge_open'])
      expect(await page.evaluate(() => document.querySelectorAll('script[src*="popin-bridge"]').length)).toBe(2)
      expect([...pageErrors, ...vendors.errors]).toEqual([])
      await expectNoPersonalDataOnPage(page)
    await close()
    })
  })

  it('popin-bridge.min.js loads GA4 through react-ga4 and Segment through analytics-next when the page has neither', async () => {
    shared.server.segment.length = 0
    const config = {
      destinations: {
        ...CONFIG.destinations,
        segment: { writeKey: WRITE_KEY, apiHost: `${shared.server.origin}/segment/v1`, cdnSettings: { integrations: { 'Segment.io': { apiKey: WRITE_KEY } } } },
      },
    }
    const { page, pageErrors, close } = await openPage(shared.server.page(shopHtml(script(FBQ_SNIPPET) + configScript(config) + src('popin-bridge.min.js'))))
    await page.waitForFunction(() => (window as any).dataLayer?.length >= 2)
    await playSession(page)
    await expect.poll(() => shared.server.segment.length, { timeout: 10_000 }).toBe(EXPECTED_SEGMENT.length)
    const vendors = await readVendors(page)
    expect(vendors.fbq).toEqual(EXPECTED_FBQ)
    expect(vendors.gtag[0]![0]).toBe('js')
    expect(vendors.gtag.slice(1)).toEqual([['config', 'G-PAGE1234', { send_page_view: false }], ...EXPECTED_GTAG_EVENTS])
    expect(await page.evaluate(() => Array.from(document.scripts, (s) => s.src).filter((s) => s.includes('gtag/js')))).toEqual([
      'https://www.googletagmanager.com/gtag/js?id=G-PAGE1234',
    ])
    // Segment delivers each event in its own request: arrival order is not guaranteed, content is.
    const received = shared.server.segment.map(({ path, body }) =>
      body.type === 'identify' ? [path, 'identify', body.traits] : [path, 'track', body.event, body.properties],
    )
    const expected = EXPECTED_SEGMENT.map((call) => (call[0] === 'identify' ? ['/v1/i', ...call] : ['/v1/t', ...call]))
    const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b))
    expect(received.sort(byJson)).toEqual(expected.sort(byJson))
    for (const { body } of shared.server.segment) {
      expect(body.writeKey).toBe(WRITE_KEY)
      expect(body.userId ?? null).toBeNull()
      expect(body.context.page.title).toBe('Blue Sofa')
    }
    expect([...pageErrors, ...vendors.errors]).toEqual([])
    await expectNoPersonalDataOnPage(page)
    await close()
  })

  it('with every vendor script blocked (ad blocker): the others still deliver, nothing breaks the page', async () => {
    const config = {
      readyTimeoutMs: 2000,
      destinations: { ...CONFIG.destinations, segment: { writeKey: WRITE_KEY } },
    }
    const { page, pageErrors, close } = await openPage(shared.server.page(shopHtml(configScript(config) + src('popin-bridge.min.js'))), { block: true })
    await playSession(page)
    await page.waitForTimeout(1500)
    const vendors = await readVendors(page)
    expect(vendors.fbq).toEqual([['init', '1234567890'], ...EXPECTED_FBQ.slice(2)])
    expect(vendors.gtag.slice(1)).toEqual([['config', 'G-PAGE1234', { send_page_view: false }], ...EXPECTED_GTAG_EVENTS])
    expect(vendors.events).toEqual(EXPECTED_DATALAYER_EVENTS)
    expect([...pageErrors, ...vendors.errors]).toEqual([])
    await expectNoPersonalDataOnPage(page)
    await close()
  })

  it('the GTM tag from `popin-bridge snippet --gtm` (compiled from the config), pasted into a page, routes the session like the lite bundle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'popin-bridge-e2e-'))
    writeFileSync(join(dir, 'bridge.json'), JSON.stringify(CONFIG))
    const tag = execFileSync(process.execPath, [join(__dirname, '../../dist/cli.js'), 'snippet', join(dir, 'bridge.json'), '--gtm'], { encoding: 'utf8' })
    rmSync(dir, { recursive: true, force: true })
    const { page, pageErrors, close } = await openPage(shared.server.page(shopHtml(script(FBQ_SNIPPET) + script(GTAG_SNIPPET) + script(SEGMENT_SNIPPET), tag)))
    await playSession(page)
    await expectWholeSessionOnPageVendors(page, pageErrors)
    await expectNoPersonalDataOnPage(page)
    await close()
  }, 30_000)
})
