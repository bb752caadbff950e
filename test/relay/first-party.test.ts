// @vitest-environment node
import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { version } from '../../package.json'
import { forgetVisitor } from '../../src/relay/relay'
import { WEBHOOKS } from '../fixtures/webhooks'
import { inboxCount, onEachEngine, queryDatabase, recentTimestamp, SECRETS, startTestRelay } from './support'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

const ORIGIN = 'https://shop.example'
const PAGE = 'https://shop.example/product/42'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36'
const KEYS = {
  facebookPixel: { fbp: 'fb.1.1764590000000.1234567890', fbc: 'fb.1.1764590000123.IwAR2xYz_abc-DEF' },
  ga4: { client_id: '1197596843.1673515099', session_id: '1747132561' },
  segment: { anonymousId: '4a8e1b0c-7d2f-4e5a-9b3c-2f1e0d9c8b7a' },
}
const LEAD = { em: sha('ada@example.com'), ph: sha('447700900123') }
const CALL_END = 'popin_call_end.30719854623408.6'
const CAPTURED = 'popin_captured.30719854623408.9'

/** A batch as the bridge posts it for two occurrences of a visit (see src/first-party/channel.ts). */
function batch(at: number, keys: Record<string, unknown> = KEYS) {
  return {
    url: PAGE,
    keys,
    events: [
      {
        id: CALL_END,
        event: 'popin_call_end',
        at,
        uid: 'u-1',
        calls: {
          facebookPixel: [{ call: 'track', name: 'Contact', params: { content_name: 'Popin video call', call_id: 'call-77' } }],
          ga4: [{ call: 'event', name: 'popin_call_end', params: { call_id: 'call-77', invited: false, popin_uid: 'u-1' } }],
          segment: [{ call: 'track', name: 'Call Ended', params: { popin_uid: 'u-1', call_id: 'call-77', invited: false } }],
        },
      },
      {
        id: CAPTURED,
        event: 'popin_captured',
        at: at + 1000,
        uid: 'u-1',
        lead: LEAD,
        calls: {
          facebookPixel: [{ call: 'track', name: 'Lead', params: { content_name: 'Popin lead form', content_category: 'sofas' } }],
          ga4: [{ call: 'event', name: 'generate_lead', params: { lead_source: 'popin', popin_group: 'sofas', popin_uid: 'u-1' } }],
          segment: [
            { call: 'identify', name: 'identify', params: { name: 'Ada Lovelace', email: 'Ada@Example.com', phone: '+44 7700 900123' } },
            { call: 'track', name: 'Lead Captured', params: { popin_uid: 'u-1', group: 'sofas' } },
          ],
        },
      },
    ],
  }
}

/** A raw request to the relay (fetch would not let a test set Origin freely), answering status, headers and JSON. */
function send(url: string, { method = 'POST', body, headers = {} }: { method?: string; body?: unknown; headers?: Record<string, string> }) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }>((resolve, reject) => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
    const req = request(`${url}/e`, { method, headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA, ...headers } }, (res) => {
      let data = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (data += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: data ? JSON.parse(data) : undefined }))
    })
    req.on('error', reject)
    req.end(text)
  })
}

const fromShop = { origin: ORIGIN }
const relayWithOrigins = (options: Record<string, unknown> = {}) => startTestRelay({ allowedOrigins: [ORIGIN], ...options }, (config) => ({ ...config, destinations: { ...config.destinations, segment: {} } }))
const eventCount = (fakes: NonNullable<typeof running>['fakes']) => fakes.messages('meta').length + fakes.messages('ga4').length + fakes.messages('segment').length
const noTime = ({ timestamp_micros: _t, ...rest }: any) => rest

onEachEngine(() => {
  describe('POST /e: browser events through the relay', () => {
    it("forwards each occurrence with the page's match keys, IP and user agent: the exact events each destination receives", async () => {
      running = await relayWithOrigins()
      const { relay, fakes } = running
      const at = Date.now() - 60_000
      const response = await send(relay.url, { body: batch(at), headers: fromShop })
      expect(response.status).toBe(200)
      expect(response.json).toEqual({ status: 'stored', stored: 6, duplicates: 0 })
      expect(response.headers['access-control-allow-origin']).toBe(ORIGIN)
      await expect.poll(() => eventCount(fakes)).toBe(7)

      const seconds = (ms: number) => Math.floor(ms / 1000)
      const userData = { ...KEYS.facebookPixel, client_ip_address: '127.0.0.1', client_user_agent: UA }
      const meta = fakes.messages('meta').sort((a, b) => a.event_id.localeCompare(b.event_id))
      expect(meta).toEqual([
        { event_name: 'Contact', event_time: seconds(at), event_id: CALL_END, action_source: 'website', user_data: userData, custom_data: { content_name: 'Popin video call', call_id: 'call-77' }, event_source_url: PAGE },
        { event_name: 'Lead', event_time: seconds(at + 1000), event_id: CAPTURED, action_source: 'website', user_data: userData, custom_data: { content_name: 'Popin lead form', content_category: 'sofas' }, event_source_url: PAGE },
      ])
      expect(fakes.delivered('meta').every((r) => r.url === `/meta/v21.0/1234567890/events?access_token=${SECRETS.POPIN_BRIDGE_META_ACCESS_TOKEN}`)).toBe(true)

      // GA4: the page's client_id and session_id, so the events join the web session.
      const ga = fakes.delivered('ga4')
      expect(ga.every((r) => r.url === `/ga4/mp/collect?measurement_id=G-TEST1234&api_secret=${SECRETS.POPIN_BRIDGE_GA4_API_SECRET}`)).toBe(true)
      const session = { session_id: KEYS.ga4.session_id, engagement_time_msec: 1 }
      expect(fakes.messages('ga4').map(noTime).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { client_id: KEYS.ga4.client_id, name: 'generate_lead', params: { lead_source: 'popin', popin_group: 'sofas', popin_uid: 'u-1', ...session } },
        { client_id: KEYS.ga4.client_id, name: 'popin_call_end', params: { call_id: 'call-77', invited: false, popin_uid: 'u-1', ...session } },
      ])
      const times = ga.flatMap((r) => (r.body.events as any[]).map((event) => event.timestamp_micros ?? r.body.timestamp_micros))
      expect(times.sort()).toEqual([at * 1000, (at + 1000) * 1000])

      const context = { library: { name: 'popin-bridge-relay', version }, ip: '127.0.0.1', userAgent: UA, page: { url: PAGE } }
      const message = (id: string, index: number, ms: number) => ({ anonymousId: KEYS.segment.anonymousId, messageId: `${id}.${index}`, timestamp: new Date(ms).toISOString(), context })
      expect(fakes.messages('segment').sort((a, b) => a.messageId.localeCompare(b.messageId))).toEqual([
        { type: 'track', ...message(CALL_END, 0, at), event: 'Call Ended', properties: { popin_uid: 'u-1', call_id: 'call-77', invited: false } },
        { type: 'identify', ...message(CAPTURED, 0, at + 1000), traits: { name: 'Ada Lovelace', email: 'Ada@Example.com', phone: '+44 7700 900123' } },
        { type: 'track', ...message(CAPTURED, 1, at + 1000), event: 'Lead Captured', properties: { popin_uid: 'u-1', group: 'sofas' } },
      ])
    })

    it("dates events by how long before the post they happened, so a page whose clock is days off still gets the right time", async () => {
      running = await relayWithOrigins()
      const { relay, fakes } = running
      // The page's clock is 3 days and 5 hours behind: its events would be dead letters for GA4 (72 h).
      const pageNow = Date.now() - (3 * 24 + 5) * 3_600_000
      const posted = Date.now()
      const response = await send(relay.url, { body: { ...batch(pageNow - 4000), sent: pageNow }, headers: fromShop })
      expect(response.status).toBe(200)
      await expect.poll(() => eventCount(fakes)).toBe(7)
      const times = fakes.messages('ga4').map((event) => event.timestamp_micros / 1000).sort()
      // 4 s and 3 s before the post, by the relay's clock (give or take the time the request took).
      expect(times.map((ms) => Math.round((posted - ms) / 1000))).toEqual([4, 3])
      expect(await relay.store.deadLetters()).toEqual([])
    })

    it('is idempotent by occurrence id: the same batch again is acknowledged as duplicates and sent once', async () => {
      running = await relayWithOrigins()
      const { relay, fakes, database } = running
      const body = batch(Date.now() - 1000)
      expect((await send(relay.url, { body, headers: fromShop })).json).toEqual({ status: 'stored', stored: 6, duplicates: 0 })
      expect((await send(relay.url, { body, headers: fromShop })).json).toEqual({ status: 'stored', stored: 0, duplicates: 6 })
      await expect.poll(() => eventCount(fakes)).toBe(7)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(eventCount(fakes)).toBe(7)
      expect(await inboxCount(database)).toBe(6)
    })

    it('reads X-Forwarded-For only with relay.trustProxy: the last address, the one your proxy added', async () => {
      running = await relayWithOrigins({ trustProxy: true })
      const { relay, fakes } = running
      const body = { ...batch(Date.now() - 1000), events: [batch(0).events[0]!] }
      body.events[0]!.at = Date.now() - 1000
      await send(relay.url, { body, headers: { ...fromShop, 'x-forwarded-for': '10.9.9.9, 203.0.113.7' } })
      await expect.poll(() => fakes.messages('meta').length).toBe(1)
      expect(fakes.messages('meta')[0].user_data.client_ip_address).toBe('203.0.113.7')
      expect((running.log.once.mock.calls as unknown[][]).filter(([key]) => key === 'untrusted-proxy')).toEqual([])
      await running.close()

      running = await relayWithOrigins()
      await send(running.relay.url, { body, headers: { ...fromShop, 'x-forwarded-for': '203.0.113.7' } })
      await expect.poll(() => running!.fakes.messages('meta').length).toBe(1)
      expect(running.fakes.messages('meta')[0].user_data.client_ip_address).toBe('127.0.0.1')
      // Said once, since that proxy is probably the shop's own.
      expect((running.log.once.mock.calls as unknown[][]).filter(([key]) => key === 'untrusted-proxy')).toEqual([
        [
          'untrusted-proxy',
          'warn',
          "relay: POST /e requests come through a proxy (X-Forwarded-For) but relay.trustProxy is off: every visitor counts as the proxy's address, for the rate limit and for Meta's client_ip_address. Set relay.trustProxy if that proxy is yours.",
        ],
      ])
    })

    it('answers the preflight of an allowed origin; another origin, or none, gets 403 and nothing is stored', async () => {
      running = await relayWithOrigins()
      const { relay, database } = running
      const preflight = await send(relay.url, { method: 'OPTIONS', headers: { ...fromShop, 'access-control-request-method': 'POST' } })
      expect(preflight.status).toBe(204)
      expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': ORIGIN, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', vary: 'Origin' })
      for (const headers of [{ origin: 'https://evil.example' }, { origin: 'https://shop.example.evil.example' }, { origin: 'http://shop.example' }, {}] as Record<string, string>[]) {
        const answer = await send(relay.url, { body: batch(Date.now()), headers })
        expect(answer.status).toBe(403)
        expect(answer.json).toEqual({ error: `origin ${headers.origin ?? '(none)'} is not in relay.allowedOrigins` })
        expect(answer.headers['access-control-allow-origin']).toBeUndefined()
        expect(answer.headers.connection).toBe('close')
        expect((await send(relay.url, { method: 'OPTIONS', headers })).status).toBe(403)
      }
      // An origin header of 15 KB is not echoed whole.
      const long = `https://${'a'.repeat(15_000)}.example`
      expect((await send(relay.url, { body: batch(Date.now()), headers: { origin: long } })).json).toEqual({ error: `origin ${long.slice(0, 200)} is not in relay.allowedOrigins` })
      const get = await send(relay.url, { method: 'GET', headers: fromShop })
      expect([get.status, get.headers.allow]).toEqual([405, 'POST, OPTIONS'])
      expect(await inboxCount(database)).toBe(0)
    })

    it('refuses an oversized, malformed or ill-shaped batch with a clear 4xx, and stores none of it', async () => {
      running = await relayWithOrigins()
      const { relay, database, fakes } = running
      const big = batch(Date.now())
      ;(big.events[0]!.calls.segment[0]!.params as any).padding = 'x'.repeat(70_000)
      const cases: [unknown, number, string][] = [
        [big, 413, 'body over 65536 bytes'],
        ['{"events": [', 400, 'body is not valid JSON: '],
        [[1, 2], 400, 'body must be a JSON object with an "events" list'],
        [{ events: [] }, 400, '"events" must be a list of 1 to 100 events'],
        [{ ...batch(Date.now()), url: 42 }, 400, '"url" must be the page\'s URL'],
        [{ ...batch(Date.now()), sent: 'now' }, 400, '"sent" must be a time in epoch milliseconds'],
        [{ events: [{ ...batch(Date.now()).events[0], id: 'has a space' }] }, 400, "events[0].id must be the occurrence's id"],
        [{ events: [{ ...batch(Date.now()).events[0], at: 'yesterday' }] }, 400, 'events[0].at must be a time in epoch milliseconds'],
        // Times no Date holds: refused before anything is stored, a good event beside them too.
        [{ events: [batch(Date.now()).events[0], { ...batch(Date.now()).events[0], id: 'popin_call_end.2.1', at: -1e308 }] }, 400, 'events[1].at must be a time in epoch milliseconds'],
        [{ ...batch(Date.now()), sent: 1e308 }, 400, '"sent" must be a time in epoch milliseconds'],
        // An email is no id, however written: it would reach Meta as event_id.
        [{ events: [{ ...batch(Date.now()).events[0], id: 'ada@example.com' }] }, 400, "events[0].id must be the occurrence's id"],
        [{ events: [{ ...batch(Date.now()).events[0], id: 'ada%40example.com' }] }, 400, "events[0].id must be the occurrence's id"],
        [{ events: [{ ...batch(Date.now()).events[0], id: 'ada\uFF20example.com' }] }, 400, "events[0].id must be the occurrence's id"],
        // V8's own message would quote the body back.
        ['email=ada@example.com&phone=447700900123', 400, 'body is not valid JSON: unexpected character at line 1, column 1'],
        [{ events: [{ ...batch(Date.now()).events[0], calls: { ga4: [{ call: 'send', name: 'x', params: {} }] } }] }, 400, 'events[0].calls.ga4[0].call must be one of event'],
        [{ events: [{ ...batch(Date.now()).events[0], calls: { facebookPixel: [{ call: 'track', name: 'Lead', params: {}, matchKeys: { em: 'ada@example.com' } }] } }] }, 400, 'events[0].calls.facebookPixel[0].matchKeys must hold SHA-256 hex hashes only'],
        [{ events: [{ ...batch(Date.now()).events[0], calls: { facebookPixel: [{ call: 'track', name: 'Lead', params: {}, matchKeys: { 'ada@example.com': sha('x') } }] } }] }, 400, 'events[0].calls.facebookPixel[0].matchKeys may hold only em, ph, fn, ln, ct, zp, country, external_id'],
        [{ events: [{ ...batch(Date.now()).events[0], calls: { ga4: [{ call: 'event', name: 'ada@example.com', params: {} }] } }] }, 400, 'events[0].calls.ga4[0].name is not a name GA4 may receive'],
      ]
      for (const [body, status, error] of cases) {
        const answer = await send(relay.url, { body, headers: fromShop })
        expect([answer.status, answer.json.error.slice(0, error.length)], JSON.stringify(body).slice(0, 80)).toEqual([status, error])
      }
      expect(await inboxCount(database)).toBe(0)
      expect(fakes.received).toEqual([])
    })

    it('leaves out of GA4 and Meta custom data any value a page could not have let out (a second line behind the page\'s policy)', async () => {
      running = await relayWithOrigins()
      const { relay, fakes } = running
      const event = {
        id: 'popin_rating_done.1.8',
        event: 'popin_rating_done',
        at: Date.now() - 1000,
        calls: {
          // Phones in groups inside a text, an at sign however written.
          ga4: [{ call: 'event', name: 'popin_rating', params: { rating: 5, comment: 'call me on 07700 900123', email: 'ada@example.com', 'ada@example.com': 1, n447700900123: true, a: 'call me on 415-555-0123 please', b: 'ring 07700 900 123', d: 'mobile 98765 43210', e: '+44 7700 900 123 (ada)', f: 'ada\uFF20example.com' } }],
          facebookPixel: [{ call: 'trackCustom', name: 'PopinCallRated', params: { rating: 5, note: 'ada@example.com', extra: { 'bob@example.com': 'x', kept: 'yes' }, a: 'call me on 415-555-0123 please', page: 'https://shop.example/ada%40example.com' } }],
        },
      }
      expect((await send(relay.url, { body: { url: PAGE, keys: {}, events: [event] }, headers: fromShop })).status).toBe(200)
      await expect.poll(() => fakes.messages('ga4').length + fakes.messages('meta').length).toBe(2)
      expect(fakes.messages('ga4')[0].params).toEqual({ rating: 5, engagement_time_msec: 1 })
      // Names that read as data go too, whatever their value.
      expect(fakes.messages('meta')[0].custom_data).toEqual({ rating: 5, extra: { kept: 'yes' } })
    })

    it('ignores match keys it does not know, "constructor" and "toString" included, and stores the batch', async () => {
      running = await relayWithOrigins()
      const { relay, fakes } = running
      const keys = { facebookPixel: { constructor: 'x', toString: 'y', fbp: KEYS.facebookPixel.fbp, email: 'ada@example.com' } }
      const response = await send(relay.url, { body: batch(Date.now() - 1000, keys), headers: fromShop })
      expect([response.status, response.json]).toEqual([200, { status: 'stored', stored: 6, duplicates: 0 }])
      await expect.poll(() => fakes.messages('meta').length).toBe(2)
      expect(fakes.messages('meta').map((event) => event.user_data)).toEqual([0, 1].map(() => ({ fbp: KEYS.facebookPixel.fbp, client_ip_address: '127.0.0.1', client_user_agent: UA })))
    })

    it('leaves out a page address the policy would not let out (a query, an email in the path), and keeps the events', async () => {
      running = await relayWithOrigins()
      const { relay, fakes } = running
      for (const [i, url] of ['https://shop.example/thanks/ada@example.com?ref=mail', 'https://shop.example/ada%40example.com', 'https://shop.example/p/ada%2540example.com'].entries()) {
        const body = { ...batch(Date.now() - 1000), url, events: [{ ...batch(Date.now() - 1000).events[0]!, id: `popin_call_end.9.${i}` }] }
        expect((await send(relay.url, { body, headers: fromShop })).status).toBe(200)
        await expect.poll(() => fakes.messages('meta').length + fakes.messages('segment').length).toBe(2 * (i + 1))
        expect(fakes.messages('meta')[i].event_source_url, url).toBeUndefined()
        expect(fakes.messages('segment')[i].context.page, url).toBeUndefined()
      }
    })

    it('limits requests per client IP and minute: 429 with Retry-After past it, nothing stored', async () => {
      running = await relayWithOrigins({ browserRequestsPerMinute: 3 })
      const { relay, database } = running
      const answers = []
      for (let i = 0; i < 5; i++) answers.push(await send(relay.url, { body: { ...batch(Date.now()), events: [{ ...batch(Date.now()).events[0], id: `popin_call_end.1.${i}` }] }, headers: fromShop }))
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429])
      expect(answers[3]!.json).toEqual({ error: 'more than 3 requests a minute from this address' })
      expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThan(0)
      expect(await inboxCount(database)).toBe(9)
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      expect(metrics).toContain('popin_relay_browser_rejected_total{reason="rate_limited"} 2\n')
      expect(metrics).toContain('popin_relay_browser_events_total{outcome="stored"} 9\n')
    })
  })

  describe('stitching webhooks to the visit', () => {
    const missed = () => ({ ...WEBHOOKS.popin_call_missed, timestamp: recentTimestamp().text })
    const ADA = { em: sha('ada@example.com'), ph: sha('447700900123'), fn: sha('ada'), ln: sha('lovelace'), external_id: sha('pu-42') }

    it("a lead captured in the page, then a webhook for the same visitor: Meta gets the visit's fbp and fbc, GA4 its client_id, Segment its anonymousId", async () => {
      running = await relayWithOrigins()
      const { relay, fakes, post, database } = running
      // The page knew the visitor as u-1; the webhook names them pu-42: the lead's email and phone join them.
      await send(relay.url, { body: batch(Date.now() - 5000), headers: fromShop })
      await expect.poll(() => eventCount(fakes)).toBe(7)
      const before = fakes.received.length
      expect((await post(missed())).status).toBe(200)
      await expect.poll(() => fakes.received.length).toBe(before + 3)
      const webhook = fakes.received.slice(before)
      const meta = webhook.find((r) => r.url.startsWith('/meta/'))!.body.data[0]
      expect(meta.user_data).toEqual({ ...ADA, fbp: KEYS.facebookPixel.fbp, fbc: KEYS.facebookPixel.fbc })
      expect(meta.action_source).toBe('chat')
      const ga = webhook.find((r) => r.url.startsWith('/ga4/'))!.body
      expect(ga.client_id).toBe(KEYS.ga4.client_id)
      expect(ga.events).toEqual([{ name: 'popin_call_missed', params: {} }])
      expect(webhook.find((r) => r.url.startsWith('/segment/'))!.body.anonymousId).toBe(KEYS.segment.anonymousId)

      // Only hashes at rest: the lookups are uid:, em: and ph: with a SHA-256, never the clear values.
      const rows = await queryDatabase<{ lookup: string }>(database, 'SELECT lookup FROM visits ORDER BY lookup')
      expect(rows.map((r) => r.lookup)).toEqual([`em:${LEAD.em}`, `ph:${LEAD.ph}`, `uid:${sha('u-1')}`].sort())
    })

    it('finds the visit by uid too, keeps only the keys of consented destinations, and forgets a visitor on request', async () => {
      running = await relayWithOrigins()
      const { relay, fakes, post, database } = running
      // Analytics granted, ads not: the page sent no Meta keys and no Meta calls.
      const body = batch(Date.now() - 5000, { ga4: KEYS.ga4 })
      const event = { ...body.events[0]!, uid: 'pu-42', calls: { ga4: body.events[0]!.calls.ga4 } }
      await send(relay.url, { body: { ...body, events: [event] }, headers: fromShop })
      await expect.poll(() => fakes.messages('ga4').length).toBe(1)
      const before = fakes.received.length
      await post(missed())
      await expect.poll(() => fakes.received.length).toBe(before + 3)
      const webhook = fakes.received.slice(before)
      expect(webhook.find((r) => r.url.startsWith('/meta/'))!.body.data[0].user_data).toEqual(ADA)
      expect(webhook.find((r) => r.url.startsWith('/ga4/'))!.body.client_id).toBe(KEYS.ga4.client_id)

      expect(await forgetVisitor({ relay: { database } }, { uid: 'pu-42' }, {}, {})).toBe(1)
      expect(await queryDatabase(database, 'SELECT lookup FROM visits')).toEqual([])
      const after = fakes.received.length
      await post({ ...missed(), properties: { ...(WEBHOOKS.popin_call_missed!.properties as object), product: 'Green Sofa' } })
      await expect.poll(() => fakes.received.length).toBe(after + 3)
      expect(fakes.received.slice(after).find((r) => r.url.startsWith('/ga4/'))!.body.client_id).not.toBe(KEYS.ga4.client_id)
    })

    it('forgets by email and by phone (normalised as Meta does), and purges visits older than relay.visitRetentionDays', async () => {
      running = await relayWithOrigins()
      const { relay, database, fakes } = running
      await send(relay.url, { body: batch(Date.now() - 5000), headers: fromShop })
      await expect.poll(() => eventCount(fakes)).toBe(7)
      expect(await forgetVisitor({ relay: { database } }, { email: '  ADA@example.com ' }, {}, {})).toBe(1)
      expect(await forgetVisitor({ relay: { database } }, { phone: '+44 (0)7700 900123' }, {}, {})).toBe(1)
      expect(await forgetVisitor({ relay: { database } }, { phone: '+44 7700 900123' }, {}, {})).toBe(0)
      expect((await queryDatabase<{ lookup: string }>(database, 'SELECT lookup FROM visits')).map((r) => r.lookup)).toEqual([`uid:${sha('u-1')}`])
      expect(await running.relay.store.purgeVisits(Date.now() - 30 * 86_400_000)).toBe(0)
      expect(await running.relay.store.purgeVisits(Date.now() + 1)).toBe(1)
      await expect(forgetVisitor({ relay: { database } }, {}, {}, {})).rejects.toThrow('give an --email, a --phone (with its country code) or a --uid')
      // What could never match what is kept is refused, not answered "erased 0".
      await expect(forgetVisitor({ relay: { database } }, { email: 'notanemail' }, {}, {})).rejects.toThrow('--email "notanemail" is not an email address')
      await expect(forgetVisitor({ relay: { database } }, { phone: '07700 900123' }, {}, {})).rejects.toThrow('--phone "07700 900123" has no country code: give it as +44 7700 900123 or 0044 7700 900123')
      await expect(forgetVisitor({ relay: { database } }, { phone: '+44' }, {}, {})).rejects.toThrow('--phone "+44" is not a phone number')
      await expect(forgetVisitor({ relay: { database } }, { uid: '  ' }, {}, {})).rejects.toThrow('--uid is empty')
    })
  })
})
