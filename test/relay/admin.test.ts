// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/relay/sha256'
import { INDIAN_WEBHOOKS, WEBHOOKS } from '../fixtures/webhooks'
import { describeLeak, personalDataIn } from '../support/personal-data'
import { ADMIN_TOKEN, csrfOf, startAdminRelay } from './admin-support'
import { onEachEngine, recentTimestamp, startTestRelay } from './support'

let running: { close(): Promise<void> } | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

const recent = (body: Record<string, unknown>) => ({ ...body, timestamp: recentTimestamp().text })
const ADA_EM = sha256Hex('ada@example.com')
const FBTRACE = '{"events_received":1,"messages":[],"fbtrace_id":"AX7fbTrace42"}'

/** Fails when any form of a fixture's personal value is in the page. */
function expectNoPersonalDataIn(html: string, what: string) {
  const leaks = personalDataIn([html]).map((leak) => describeLeak(leak, 'page'))
  expect(leaks, `${what} shows personal data in clear`).toEqual([])
}

describe('admin pages: off', () => {
  it('do not exist without POPIN_BRIDGE_ADMIN_TOKEN', async () => {
    const started = await startTestRelay()
    running = started
    for (const path of ['/admin', '/admin/login']) expect((await fetch(`${started.relay.url}${path}`)).status).toBe(404)
  })
})

onEachEngine(() => {
  describe('admin pages: who may see them', () => {
    it('answer 401 with only a login form without the token, or with a wrong one', async () => {
      const admin = await startAdminRelay()
      running = admin
      expect((await admin.post(recent(WEBHOOKS.popin_call_missed!))).status).toBe(200)
      for (const headers of [{}, { authorization: 'Bearer wrong' } as Record<string, string>, { authorization: `Bearer ${ADMIN_TOKEN}x` }, { cookie: 'popin_bridge_admin=1.2.3' }]) {
        const response = await admin.get('/admin', headers)
        expect(response.status).toBe(401)
        const text = await response.text()
        expect(text).toContain('<form class="login" method="post" action="/admin/login">')
        expect(text).not.toContain('popin_call_missed')
        expect(text).not.toContain('csrf')
      }
      const refused = await admin.form('/admin/replay', { all: '1' }, {})
      // Closed: a body that never ends must not hold the connection.
      expect([refused.status, refused.headers.get('connection')]).toEqual([401, 'close'])
    })

    it('answer 405 with what the page takes, and 404 for a page there is not', async () => {
      const admin = await startAdminRelay()
      running = admin
      const answer = async (method: string, path: string) => {
        const response = await fetch(`${admin.relay.url}${path}`, { method, headers: admin.bearer })
        return [response.status, response.headers.get('allow')]
      }
      expect(await answer('PUT', '/admin')).toEqual([405, 'GET'])
      expect(await answer('POST', '/admin')).toEqual([405, 'GET'])
      expect(await answer('GET', '/admin/search')).toEqual([405, 'POST'])
      expect(await answer('GET', '/admin/replay')).toEqual([405, 'POST'])
      expect(await answer('GET', '/admin/nosuch')).toEqual([404, null])
      expect(await answer('POST', '/admin/nosuch')).toEqual([404, null])
    })

    it('open with Authorization: Bearer, with a strict CSP and no external asset', async () => {
      const admin = await startAdminRelay()
      running = admin
      const response = await admin.get('/admin')
      expect(response.status).toBe(200)
      expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/)
      expect(response.headers.get('cache-control')).toBe('no-store')
      const text = await response.text()
      expect(text).not.toMatch(/<script|<link|src=|https?:\/\//)
    })

    it('answer an oversized form with 413 and close the connection, logged in or not', async () => {
      const admin = await startAdminRelay()
      running = admin
      for (const [path, headers] of [['/admin/login', {}], ['/admin/replay', admin.bearer]] as const) {
        const response = await admin.form(path, { token: 'x'.repeat(10_000) }, headers)
        expect([response.status, response.headers.get('connection')]).toEqual([413, 'close'])
        expect(await response.text()).toContain('Refused: the form is too large.')
      }
    })

    it('log in through the form: an HttpOnly, SameSite=Strict cookie for /admin; a wrong token is 401', async () => {
      const admin = await startAdminRelay()
      running = admin
      expect((await admin.form('/admin/login', { token: 'nope' }, {})).status).toBe(401)
      const login = await admin.form('/admin/login', { token: ADMIN_TOKEN }, {})
      expect([login.status, login.headers.get('location')]).toEqual([303, '/admin'])
      const cookie = login.headers.get('set-cookie')!
      expect(cookie).toMatch(/^popin_bridge_admin=[^;]+; HttpOnly; SameSite=Strict; Path=\/admin; Max-Age=43200$/)
      const session = cookie.split(';')[0]!
      const page = await admin.get('/admin', { cookie: session })
      expect(page.status).toBe(200)
      // A session's CSRF token is its own: the Bearer session's does not replay for the cookie's.
      const csrf = csrfOf(await page.text())
      expect(csrf).not.toBe(await admin.csrf())
      const logout = await admin.form('/admin/logout', { csrf }, { cookie: session })
      expect([logout.status, logout.headers.get('set-cookie')]).toEqual([303, 'popin_bridge_admin=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0'])
      // A tampered cookie is no session.
      expect((await admin.get('/admin', { cookie: `${session}x` })).status).toBe(401)
    })
  })

  describe('admin pages: what they show', () => {
    it("shows each delivery with Meta's fbtrace_id and GA4's validation messages (relay.validateGa4)", async () => {
      const admin = await startAdminRelay({ validateGa4: true })
      running = admin
      const { fakes, relay } = admin
      fakes.respond.meta = () => ({ status: 200, body: FBTRACE })
      fakes.respond.ga4 = ({ url }) =>
        url.startsWith('/ga4/debug/') ? { status: 200, body: JSON.stringify({ validationMessages: [{ fieldPath: 'events', description: 'Event at index: [0] has invalid name [_bad].', validationCode: 'NAME_INVALID' }] }) } : undefined
      expect((await admin.post(recent(WEBHOOKS.popin_call_missed!))).status).toBe(200)
      await expect.poll(() => relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { done: 1 } })
      // The same GA4 request went to both endpoints.
      const ga4 = fakes.received.filter((r) => r.url.startsWith('/ga4/'))
      expect(ga4.map((r) => r.url.split('?')[0])).toEqual(['/ga4/mp/collect', '/ga4/debug/mp/collect'])
      expect(ga4[1]!.body).toEqual(ga4[0]!.body)
      const html = await admin.page()
      expect(html).toContain('<code data-fbtrace-id>AX7fbTrace42</code>')
      expect(html).toContain('<li data-validation><code>NAME_INVALID</code> <code>events</code> Event at index: [0] has invalid name [_bad].</li>')
      expect(html.match(/data-status="done"/g)).toHaveLength(3)
      // Kept in the store, for each delivery.
      const [row] = await relay.store.inbox({ limit: 10 })
      expect(row!.deliveries.find((d) => d.destination === 'facebookPixel')!.response).toBe(FBTRACE)
    })

    it('keeps the answer of a refused delivery too, and its fbtrace_id from the error', async () => {
      const admin = await startAdminRelay({ maxAttempts: 1 })
      running = admin
      await admin.deadLetter('meta', recent(WEBHOOKS.popin_call_missed!), '{"error":{"message":"Invalid parameter","code":100,"fbtrace_id":"BzErr9"}}')
      expect((await admin.relay.store.counts()).facebookPixel).toEqual({ dead: 1 })
      const html = await admin.page()
      expect(html).toContain('<code data-fbtrace-id>BzErr9</code>')
      expect(html).toContain('<span class="label">Dead letter</span>')
    })

    it('shows no personal value of any webhook in clear: only the hashed match keys', async () => {
      const admin = await startAdminRelay()
      running = admin
      for (const body of [...Object.values(WEBHOOKS), ...Object.values(INDIAN_WEBHOOKS)]) expect((await admin.post(recent(body))).status).toBe(200)
      const overview = await admin.page()
      expect(overview.match(/<li class="row"/g)).toHaveLength(16)
      expect(overview).toContain(`href="/admin?em=${ADA_EM}"`)
      expect(overview).toContain('kept out by the privacy policy')
      const csrf = csrfOf(overview)
      const pages = {
        overview,
        byUid: await admin.page('/admin?uid=pu-42'),
        byHash: await admin.page(`/admin?em=${ADA_EM}`),
        byKey: await admin.page(`/admin?key=${/data-key="([0-9a-f]+)"/.exec(overview)![1]}`),
        byEmail: await (await admin.form('/admin/search', { q: 'Ada@Example.com', csrf })).text(),
        byPhone: await (await admin.form('/admin/search', { q: '+44 7700 900123', csrf })).text(),
      }
      for (const [name, html] of Object.entries(pages)) expectNoPersonalDataIn(html, name)
    })

    it('escapes what a webhook and a vendor say', async () => {
      const admin = await startAdminRelay({ maxAttempts: 1 })
      running = admin
      const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
      admin.fakes.respond.segment = () => ({ status: 400, body: JSON.stringify({ error: hostile }) })
      expect((await admin.post({ ...recent(WEBHOOKS.popin_call_missed!), event: hostile, product: hostile, user_id: hostile, [hostile]: 1 })).status).toBe(200)
      expect((await admin.post(recent({ event: 'popin_call_missed', user_id: 'pu-7', properties: { product: `Sofa ${hostile}`, url: 'https://shop.example/x' } }))).status).toBe(200)
      // Only Segment takes an event of any name; it refuses both.
      await expect.poll(async () => admin.relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { dead: 2 } })
      const html = await admin.page()
      expect(html).not.toContain('<script>')
      expect(html).not.toContain('<img')
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;')
    })
  })

  describe('admin pages: search', () => {
    it('finds webhooks and browser events by visitor id, by email hash and by a typed email, which it never shows', async () => {
      const admin = await startAdminRelay()
      running = admin
      expect((await admin.post(recent(WEBHOOKS.popin_call_missed!))).status).toBe(200)
      expect((await admin.post(recent(INDIAN_WEBHOOKS.popin_call_successful!))).status).toBe(200)
      const rowsOf = (html: string) => [...html.matchAll(/<strong>([\w]+)<\/strong> <span class="label">/g)].map((m) => m[1])
      expect(rowsOf(await admin.page('/admin?uid=pu-42'))).toEqual(['popin_call_missed'])
      expect(rowsOf(await admin.page('/admin?uid=pu-91'))).toEqual(['popin_call_successful'])
      expect(rowsOf(await admin.page(`/admin?em=${ADA_EM}`))).toEqual(['popin_call_missed'])
      expect(rowsOf(await admin.page(`/admin?uid=nobody`))).toEqual([])
      // A page number past any listing, up to where the offset would overflow the database's integers: an empty page, not a 500.
      for (const page of ['1e18', '1e300', 'Infinity', '-5', 'x']) expect(rowsOf(await admin.page(`/admin?page=${page}`)), page).toEqual(page === '-5' || page === 'x' ? ['popin_call_successful', 'popin_call_missed'] : [])
      const csrf = await admin.csrf()
      for (const q of ['  ADA@example.com ', ADA_EM.toUpperCase(), 'pu-42']) {
        const response = await admin.form('/admin/search', { q, csrf })
        expect(response.status).toBe(200)
        const html = await response.text()
        expect(rowsOf(html)).toEqual(['popin_call_missed'])
        expect(html.toLowerCase()).not.toContain('ada@example.com')
      }
      expect(await (await admin.form('/admin/search', { q: 'ada@example.com', csrf })).text()).toContain(`Found by email hash ${ADA_EM}`)
    })
  })

  describe('admin pages: browser events', () => {
    it('shows POST /e events with their match keys, never the clear values a page sent to Segment, and finds them by uid and email hash', async () => {
      const admin = await startAdminRelay({ allowedOrigins: ['https://shop.example'] })
      running = admin
      const lead = { em: ADA_EM, ph: sha256Hex('447700900123') }
      const event = {
        id: 'popin_captured.30719854623408.9',
        event: 'popin_captured',
        at: Date.now() - 1000,
        uid: 'u-1',
        lead,
        calls: {
          facebookPixel: [{ call: 'track', name: 'Lead', params: { content_name: 'Popin lead form' }, matchKeys: lead }],
          segment: [{ call: 'identify', name: 'identify', params: { name: 'Ada Lovelace', email: 'Ada@Example.com', phone: '+44 7700 900123' } }],
        },
      }
      const sent = await fetch(`${admin.relay.url}/e`, { method: 'POST', headers: { origin: 'https://shop.example', 'content-type': 'text/plain' }, body: JSON.stringify({ url: 'https://shop.example/product/42', keys: {}, events: [event] }) })
      expect(sent.status).toBe(200)
      await expect.poll(() => admin.relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, segment: { done: 1 } })
      for (const path of ['/admin', '/admin?uid=u-1', `/admin?em=${ADA_EM}`]) {
        const html = await admin.page(path)
        // One inbox row per destination the page sent the occurrence to.
        expect(html.match(/<li class="row" data-key="[0-9a-f]{64}" data-source="browser">/g), path).toHaveLength(2)
        expect(html).toContain(`<code title="${ADA_EM}"><a href="/admin?em=${ADA_EM}">${ADA_EM.slice(0, 16)}…</a></code>`)
        expect(html).toContain('<span class="label">Browser event</span>')
        expectNoPersonalDataIn(html, path)
      }
      expect(await admin.page('/admin?uid=u-2')).toContain('Nothing here.')
    })
  })

  describe('admin pages: replay', () => {
    it('refuses a post without the CSRF token, with a wrong one, or from another site', async () => {
      const admin = await startAdminRelay({ maxAttempts: 1 })
      running = admin
      await admin.deadLetter('segment', recent(WEBHOOKS.popin_call_missed!), '{"error":"bad"}')
      expect((await admin.relay.store.counts()).segment).toEqual({ dead: 1 })
      const csrf = await admin.csrf()
      const refusals = [
        admin.form('/admin/replay', { all: '1' }),
        admin.form('/admin/replay', { all: '1', csrf: `${csrf.slice(0, -1)}A` }),
        admin.form('/admin/replay', { all: '1', csrf }, { ...admin.bearer, origin: 'https://evil.example' }),
        admin.form('/admin/replay', { all: '1', csrf }, { ...admin.bearer, origin: 'null' }),
        admin.form('/admin/replay', { all: '1', csrf }, { ...admin.bearer, 'sec-fetch-site': 'cross-site' }),
        admin.form('/admin/replay', { all: '1', csrf }, { ...admin.bearer, 'sec-fetch-site': 'same-site' }),
      ]
      for (const response of await Promise.all(refusals)) {
        expect(response.status).toBe(403)
        expect(await response.text()).toContain('Refused')
      }
      expect((await admin.relay.store.counts()).segment).toEqual({ dead: 1 })
    })

    it('makes one dead letter due again, then all of them, through POST', async () => {
      const admin = await startAdminRelay({ maxAttempts: 1 })
      running = admin
      const { relay } = admin
      await admin.deadLetter('segment', recent(WEBHOOKS.popin_call_missed!), '{"error":"bad"}')
      await admin.deadLetter('segment', recent(WEBHOOKS.popin_call_abandoned!), '{"error":"bad"}')
      expect((await relay.store.counts()).segment).toEqual({ dead: 2 })
      const html = await admin.page()
      const [first, second] = (await relay.store.deadLetters()).map((d) => d.id)
      expect(html).toContain(`<button class="action" type="submit" data-replay="${first}">Replay</button>`)
      const csrf = csrfOf(html)
      const one = await admin.form('/admin/replay', { id: String(first), csrf }, { ...admin.bearer, origin: new URL(relay.url).origin, 'sec-fetch-site': 'same-origin' })
      expect([one.status, one.headers.get('location')]).toEqual([303, '/admin?replayed=1'])
      await expect.poll(async () => (await relay.store.counts()).segment).toEqual({ dead: 1, done: 1 })
      expect((await relay.store.deadLetters()).map((d) => d.id)).toEqual([second])
      expect(await admin.page('/admin?replayed=1')).toContain('Replayed 1 dead letter: due again now.')
      // A replayed id is not dead any more: nothing to replay.
      expect((await admin.form('/admin/replay', { id: String(first), csrf })).headers.get('location')).toBe('/admin?replayed=0')
      const all = await admin.form('/admin/replay', { all: '1', csrf })
      expect(all.headers.get('location')).toBe('/admin?replayed=1')
      await expect.poll(async () => (await relay.store.counts()).segment).toEqual({ done: 2 })
    })
  })
})
