// @vitest-environment node
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { version } from '../../package.json'
import { startRelay, type Relay } from '../../src/relay/relay'
import { EXPECTED_FBQ, EXPECTED_GTAG_EVENTS, EXPECTED_SEGMENT, FIXED_IDS, idOf, SESSION } from '../fixtures/session'
import { FBQ_SNIPPET, GTAG_SNIPPET, SEGMENT_SNIPPET } from '../fixtures/vendor-snippets'
import { WEBHOOKS } from '../fixtures/webhooks'
import { inboxCount, quietLog, recentTimestamp, SECRETS, tempDatabase } from '../relay/support'
import { chromiumAvailable, expectNoPersonalDataOnPage, useChromiumAndPages } from '../support/browser'
import { startFakeDestinations, type FakeDestinations } from '../support/fake-destinations'

const CHANNEL_SCRIPT = join(__dirname, '../../dist/popin-bridge.relay.min.js')
const FBCLID = 'IwAR2xYz_abc-DEF'
const FBP = 'fb.1.1764590000000.1234567890'
const CLIENT_ID = '1197596843.1673515099'
const SESSION_ID = '1747132561'
const STREAM_COOKIES = { GS1: `GS1.1.${SESSION_ID}.5.1.1747132655.0.0.0`, GS2: `GS2.1.s${SESSION_ID}$o5$g1$t1747132655$j0$l0$h0` }
const DESTINATIONS = { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-PAGE1234' } }

const WATCH_ERRORS = `<script>window.__errors = [];
addEventListener('error', function (e) { __errors.push('error: ' + e.message) });
addEventListener('unhandledrejection', function (e) { __errors.push('unhandled rejection: ' + e.reason) });
window.simulatePopin = function (steps) { steps.forEach(function (s) { window.popinEvent(s[0], s[1]) }) }</script>`
const script = (code: string) => `<script>${code}</script>`

const available = chromiumAvailable()

describe.skipIf(!available)('first-party delivery in Chromium: the bridge, a real relay on 127.0.0.1, fake Meta, GA4 and Segment', () => {
  const shared = useChromiumAndPages(beforeAll, afterAll)
  const open: { close(): Promise<void> }[] = []
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close()
  })

  /** The relay with the page's config, allowing the page server's origin (or the given ones). */
  async function relay(allowedOrigins = [shared.server.origin]) {
    const fakes = await startFakeDestinations()
    const database = tempDatabase()
    const config = { destinations: DESTINATIONS, relay: { port: 0, database, endpoints: fakes.endpoints, retryBaseMs: 20, requestTimeoutMs: 400, allowedOrigins } }
    const started: Relay = await startRelay(config, { env: SECRETS, log: quietLog(), channelScript: CHANNEL_SCRIPT })
    open.push({ close: async () => (await started.close(), await fakes.close()) })
    return { relay: started, fakes, database }
  }

  /**
   * A shop page with the official snippets and the drop-in, the visitor's cookies set, reached from
   * an ad (fbclid). `block`: every vendor host is refused, as an ad blocker would; the relay (on
   * 127.0.0.1) is not. Otherwise the vendors' scripts are answered with empty stand-ins.
   */
  async function shopPage(relayUrl: string, { block = true, stream = 'GS2' as keyof typeof STREAM_COOKIES, bundle = 'popin-bridge.lite.min.js', consent = {} as Record<string, unknown> } = {}) {
    const context: BrowserContext = await shared.browser.newContext()
    open.push(context)
    const url = shared.server.origin
    await context.addCookies([
      { name: '_fbp', value: FBP, url },
      { name: '_ga', value: `GA1.1.${CLIENT_ID}`, url },
      { name: '_ga_PAGE1234', value: STREAM_COOKIES[stream], url },
    ])
    const page: Page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const posted: string[] = []
    page.on('request', (request) => request.url() === `${relayUrl}/e` && posted.push(`${request.method()} ${request.url()}`))
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => (block ? route.abort('blockedbyclient') : route.fulfill({ status: 200, contentType: 'text/javascript', body: '/* vendor stand-in */' })))
    const config = { relayUrl, destinations: DESTINATIONS, ...consent }
    const html = `<!doctype html><html><head><title>Blue Sofa</title>${WATCH_ERRORS}${script(FIXED_IDS)}${script(FBQ_SNIPPET)}${script(GTAG_SNIPPET)}${script(SEGMENT_SNIPPET)}${script(`window.popinBridgeConfig = ${JSON.stringify(config)}`)}<script src="/dist/${bundle}"></script></head><body><p>shop</p></body></html>`
    await page.goto(`${shared.server.page(html)}?fbclid=${FBCLID}&utm_source=facebook`)
    return { page, pageErrors, posted, userAgent: await page.evaluate(() => navigator.userAgent) }
  }

  const play = async (page: Page) => {
    // The channel comes from <relayUrl>/e.js: played once it is there, as the widget would be later.
    await page.waitForFunction(() => typeof (window as any).__popinBridgeRelayChannel === 'function')
    await page.evaluate((steps) => (window as any).simulatePopin(steps), SESSION)
  }
  const total = (fakes: FakeDestinations) => fakes.messages('meta').length + fakes.messages('ga4').length + fakes.messages('segment').length
  const byId = (a: any, b: any) => (a.event_id ?? a.messageId).localeCompare(b.event_id ?? b.messageId)

  /** What each destination must receive for SESSION through the relay, with the visit's match keys. */
  function expected(pageUrl: string, userAgent: string, fbcTime: number) {
    const meta = EXPECTED_FBQ.slice(2).map(([, , name, params, options]) => ({
      event_name: name,
      event_time: expect.any(Number),
      event_id: (options as { eventID: string }).eventID,
      action_source: 'website',
      user_data: { fbp: FBP, fbc: `fb.1.${fbcTime}.${FBCLID}`, client_ip_address: '127.0.0.1', client_user_agent: userAgent },
      custom_data: params,
      event_source_url: pageUrl,
    }))
    const ga4 = EXPECTED_GTAG_EVENTS.map(([, name, { send_to: _to, ...params }]: any) => ({ client_id: CLIENT_ID, name, params: { ...params, session_id: SESSION_ID, engagement_time_msec: 1 } }))
    // One Segment call per occurrence, but two (identify, then track) for the lead.
    const lead = SESSION.findIndex(([name]) => name === 'popin_captured')
    let occurrence = 0
    const segment = EXPECTED_SEGMENT.map((call) => {
      const index = call[0] === 'identify' ? 0 : occurrence === lead ? 1 : 0
      const id = idOf(occurrence)
      if (call[0] !== 'identify') occurrence++
      const body = call[0] === 'identify' ? { traits: call[1] } : { event: call[1], properties: call[2] }
      return { type: call[0], anonymousId: 'popin-u-1', messageId: `${id}.${index}`, timestamp: expect.any(String), context: { library: { name: 'popin-bridge-relay', version }, ip: '127.0.0.1', userAgent, page: { url: pageUrl } }, ...body }
    })
    return { meta, ga4, segment }
  }

  describe.each(['GS1', 'GS2'] as const)('vendor hosts blocked, _ga_<stream> in %s', (stream) => {
    it('every event of a whole session reaches Meta, GA4 and Segment through the relay, with the match keys: exact bodies', async () => {
      const { relay: started, fakes } = await relay()
      const { page, pageErrors, posted, userAgent } = await shopPage(started.url, { stream })
      const before = Date.now()
      await play(page)
      await expect.poll(() => total(fakes), { timeout: 10_000 }).toBe(6 + 14 + 15)
      const fbc = fakes.messages('meta')[0].user_data.fbc as string
      const fbcTime = Number(fbc.split('.')[2])
      expect(fbcTime).toBeLessThanOrEqual(before)
      const pageUrl = page.url().split('?')[0]!
      const want = expected(pageUrl, userAgent, fbcTime)
      expect(fakes.messages('meta').sort(byId)).toEqual(want.meta.sort(byId))
      const noTime = ({ timestamp_micros: _t, ...rest }: any) => rest
      const key = (m: any) => `${m.params.popin_uid}${m.name}${JSON.stringify(m.params)}`
      expect(fakes.messages('ga4').map(noTime).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(want.ga4.sort((a, b) => key(a).localeCompare(key(b))))
      expect(fakes.messages('segment').sort(byId)).toEqual(want.segment.sort(byId))
      // One tick, one POST: the session went in one batch.
      expect(posted).toEqual([`POST ${started.url}/e`])
      expect([...pageErrors, ...(await page.evaluate(() => (window as any).__errors))]).toEqual([])
      await expectNoPersonalDataOnPage(page)
    })
  })

  it("vendors not blocked: each occurrence's Pixel eventID is its Conversions API event_id (Meta keeps one of each pair)", async () => {
    const { relay: started, fakes } = await relay()
    const { page } = await shopPage(started.url, { block: false, bundle: 'popin-bridge.min.js' })
    await play(page)
    await expect.poll(() => fakes.messages('meta').length, { timeout: 10_000 }).toBe(6)
    const pixel = await page.evaluate(() => ((window as any).fbq.queue as unknown[][]).map((args) => Array.from(args)).filter((args) => String(args[0]).startsWith('trackSingle')))
    const pairs = pixel.map((args) => [args[2], (args[4] as { eventID: string }).eventID])
    expect(pairs).toEqual(EXPECTED_FBQ.slice(2).map(([, , name, , options]) => [name, (options as { eventID: string }).eventID]))
    expect(fakes.messages('meta').map((event) => [event.event_name, event.event_id]).sort()).toEqual([...pairs].sort())
    // GA4 and Segment only from the relay: the page's gtag and analytics.js got no event.
    const gtagEvents = await page.evaluate(() => ((window as any).dataLayer as unknown[][]).filter((entry) => entry && entry[0] === 'event').length)
    expect(gtagEvents).toBe(0)
    await expectNoPersonalDataOnPage(page)
  })

  it("a lead captured in the page, then Popin's webhook for the same visitor: the webhook's Meta event carries the visit's fbp and fbc, its GA4 event the visit's client_id", async () => {
    const { relay: started, fakes } = await relay()
    const { page } = await shopPage(started.url)
    await play(page)
    await expect.poll(() => total(fakes), { timeout: 10_000 }).toBe(35)
    const fbc = fakes.messages('meta')[0].user_data.fbc
    const before = fakes.received.length
    // Popin names the visitor pu-42; the lead's email and phone are the same as the page's.
    const webhook = await fetch(`${started.url}/webhooks/popin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY },
      body: JSON.stringify({ ...WEBHOOKS.popin_call_missed, timestamp: recentTimestamp().text }),
    })
    expect(webhook.status).toBe(200)
    await expect.poll(() => fakes.received.length).toBe(before + 3)
    const sent = fakes.received.slice(before)
    const meta = sent.find((r) => r.url.startsWith('/meta/'))!.body.data[0]
    expect(meta).toMatchObject({ event_name: 'PopinCallMissed', action_source: 'chat', user_data: { fbp: FBP, fbc } })
    expect(sent.find((r) => r.url.startsWith('/ga4/'))!.body).toMatchObject({ client_id: CLIENT_ID, events: [{ name: 'popin_call_missed', params: {} }] })
  })

  it('GET /e.js serves the built channel as it is, with no secret in it; a relay not given it answers 404', async () => {
    const { relay: started } = await relay()
    const response = await fetch(`${started.url}/e.js`)
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8'])
    const source = await response.text()
    expect(source).toBe(readFileSync(CHANNEL_SCRIPT, 'utf8'))
    for (const secret of Object.values(SECRETS)) expect(source).not.toContain(secret)
    const bare = await startRelay({ relay: { port: 0, database: tempDatabase() } }, { env: SECRETS, log: quietLog() })
    open.push(bare)
    expect((await fetch(`${bare.url}/e.js`)).status).toBe(404)
  })

  it('consent denied: nothing is posted, nothing stored', async () => {
    const { relay: started, fakes, database } = await relay()
    const { page, posted } = await shopPage(started.url, { consent: { consent: { required: true } } })
    await page.evaluate(() => (window as any).PopinBridge.consent({ analytics: false, ads: false }))
    await play(page)
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)))
    expect(posted).toEqual([])
    expect(await inboxCount(database)).toBe(0)
    expect(fakes.received).toEqual([])
  })

  it('a page of another origin: the relay refuses the batch and stores nothing', async () => {
    const { relay: started, fakes, database } = await relay(['https://shop.example'])
    const { page, posted } = await shopPage(started.url)
    await play(page)
    await expect.poll(() => posted.length).toBe(1)
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)))
    expect(await inboxCount(database)).toBe(0)
    expect(fakes.received).toEqual([])
    const metrics = await (await fetch(`${started.url}/metrics`)).text()
    expect(metrics).toContain('popin_relay_browser_rejected_total{reason="origin"} 1\n')
  })

  it('the relay down: the page is unaffected, nothing thrown, the page vendors still get their calls', async () => {
    // Nothing listens on the discard port: every request to the relay is refused.
    const { page, pageErrors } = await shopPage('http://127.0.0.1:9', { block: false, bundle: 'popin-bridge.min.js' })
    // The channel script cannot load: the session is played anyway.
    await page.waitForLoadState('load')
    await page.evaluate((steps) => (window as any).simulatePopin(steps), SESSION)
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)))
    const pixel = await page.evaluate(() => ((window as any).fbq.queue as unknown[][]).filter((args) => String(args[0]).startsWith('trackSingle')).length)
    expect(pixel).toBe(6)
    expect([...pageErrors, ...(await page.evaluate(() => (window as any).__errors))]).toEqual([])
  })
})
