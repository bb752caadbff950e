// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONFIG, EXPECTED_GTAG_EVENTS, EXPECTED_SEGMENT, SESSION } from '../fixtures/session'
import { FBQ_SNIPPET, GTAG_SNIPPET, SEGMENT_SNIPPET } from '../fixtures/vendor-snippets'
import { chromiumAvailable, expectNoPersonalDataOnPage, useChromiumAndPages } from '../support/browser'
import { expectNoPersonalData } from '../support/personal-data'

/** A minimal IAB TCF v2.2 CMP: `__tcfapi` listeners, and a banner the test "clicks" with cmpDecide. */
const TCF_CMP = `<script>(function () {
  var listeners = [], data = { eventStatus: 'cmpuishown', gdprApplies: true, purpose: { consents: {} } };
  window.__tcfapi = function (command, version, callback, id) {
    if (command === 'addEventListener') { listeners.push(callback); callback(Object.assign({ listenerId: listeners.length }, data), true); }
    if (command === 'removeEventListener') { listeners[id - 1] = null; callback(true); }
  };
  window.cmpDecide = function (purposes) {
    var consents = {}; purposes.forEach(function (p) { consents[p] = true; });
    data = { eventStatus: 'useractioncomplete', gdprApplies: true, purpose: { consents: consents } };
    listeners.forEach(function (listener, i) { if (listener) listener(Object.assign({ listenerId: i + 1 }, data), true); });
  };
})();</script>`

const script = (code: string) => `<script>${code}</script>`

describe.skipIf(!chromiumAvailable())('consent in Chromium, following a TCF consent platform', () => {
  const shared = useChromiumAndPages(beforeAll, afterAll)

  it('holds every event until the visitor decides, then sends only what was granted', async () => {
    const config = { ...CONFIG, consent: { required: true, follow: 'tcf' } }
    const page = await shared.browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
    await page.goto(
      shared.server.page(
        `<!doctype html><html><head><title>Blue Sofa</title>${TCF_CMP}${script(FBQ_SNIPPET)}${script(GTAG_SNIPPET)}${script(SEGMENT_SNIPPET)}` +
          `${script(`window.popinBridgeConfig = ${JSON.stringify(config)}`)}<script src="/dist/popin-bridge.lite.min.js"></script></head><body></body></html>`,
      ),
    )
    const read = () =>
      page.evaluate(() => {
        const w = window as any
        const plain = (list: any) => Array.from(list, (args: any) => JSON.parse(JSON.stringify(Array.from(args))))
        return {
          fbq: plain(w.fbq.queue).slice(2),
          gtag: plain(w.dataLayer.filter((e: any) => typeof e.length === 'number')).slice(2),
          segment: w.analytics.map((call: any[]) => call.slice(0, -1)),
          events: w.dataLayer.filter((e: any) => e.event).length,
        }
      })
    await page.evaluate((steps) => steps.forEach(([name, data]) => (window as any).popinEvent(name, data)), SESSION)
    const denied = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' }
    expect(await read()).toEqual({ fbq: [['consent', 'revoke']], gtag: [['consent', 'default', denied]], segment: [], events: SESSION.length })

    await page.evaluate(() => (window as any).cmpDecide([1, 8]))
    const after = await read()
    expect(after.fbq).toEqual([['consent', 'revoke'], ['consent', 'revoke']])
    expect(after.gtag).toEqual([['consent', 'default', denied], ['consent', 'update', { ...denied, analytics_storage: 'granted' }], ...EXPECTED_GTAG_EVENTS])
    const consent = { context: { consent: { categoryPreferences: { analytics: true, ads: false } } } }
    expect(after.segment).toEqual(EXPECTED_SEGMENT.map((call) => [...call, consent]))
    expectNoPersonalData('GA4', after.gtag)
    expectNoPersonalData('Facebook', after.fbq)
    expect(errors).toEqual([])
    await expectNoPersonalDataOnPage(page)
    await page.close()
  })
})
