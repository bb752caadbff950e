import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { contactOf } from '../src/privacy/contact'
import { normalizeContact } from '../src/privacy/match-keys'
import { asArrays } from './fixtures/vendor-snippets'
import { bridgeFor, installFakeVendors, makeWindow } from './helpers'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const lead = { uid: 'u1', name: 'Ada Lovelace', email: ' Ada@Example.com', mobile: '+44 7700 900123', city: 'Camden', pin_code: 'NW1 6XE', country: 'GB', group: 'sofas' }

const normalizeLead = (data: Record<string, string>) => normalizeContact(contactOf(data))

describe("Meta's normalisation of match keys", () => {
  it("gives Meta's published normalised forms", () => {
    expect(normalizeLead({ email: 'John_Smith@gmail.com', mobile: '+1 (650) 555-1212', name: 'Mary', city: 'San Francisco' })).toEqual({
      em: 'john_smith@gmail.com',
      ph: '16505551212',
      fn: 'mary',
      ct: 'sanfrancisco',
    })
    expect(normalizeLead({ name: 'Valéry Dupont-Moretti' })).toEqual({ fn: 'valéry', ln: 'dupontmoretti' })
    expect(normalizeLead({ name: '정' })).toEqual({ fn: '정' })
    expect(normalizeLead({ mobile: '0044 (0)20 7946 0958', country: 'United Kingdom' })).toEqual({ ph: '442079460958' })
  })

  it('reads a webhook: empty top-level fields fall back to properties.customer_*, phones get their country code', () => {
    // webhookEvent() lays properties and the top level side by side; "" counts as missing.
    const data = { email: '', phone_number: '', full_phone_number: '', country_code: '+91', user_id: 'pu-9', customer_email: 'Priya@Example.in', customer_phone_number: '98765 43210', customer_name: 'Priya Sharma' }
    expect(normalizeContact(contactOf(data))).toEqual({ em: 'priya@example.in', ph: '919876543210', fn: 'priya', ln: 'sharma', external_id: 'pu-9' })
    expect(contactOf({ phone_number: '07700 900123', country_code: '44' }).phone).toBe('+447700900123')
    expect(contactOf({ full_phone_number: '+447700900123', country_code: '+91' }).phone).toBe('+447700900123')
    expect(contactOf({ customer_phone_number: '919876543210', customer_country_code: '+91' }).phone).toBe('+919876543210')
  })
})

describe('one personal-data policy, per destination', () => {
  it('Segment: traits sent as they are by default', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    win.popinEvent('popin_captured', lead)
    expect(calls.analytics[0]).toEqual([
      'identify',
      { name: 'Ada Lovelace', email: ' Ada@Example.com', phone: '+44 7700 900123', address: { city: 'Camden', postal_code: 'NW1 6XE', country: 'GB' }, popin_group: 'sofas' },
    ])
  })

  it('Segment with personalData "hash": every personal trait is the SHA-256 of its trimmed, lowercased text', async () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { segment: { personalData: 'hash' } } })
    win.popinEvent('popin_captured', lead)
    // WebCrypto hashes asynchronously; the calls wait, in order.
    expect(calls.analytics).toEqual([])
    await vi.waitFor(() => expect(calls.analytics).toHaveLength(2))
    expect(calls.analytics[0]).toEqual([
      'identify',
      {
        name: sha('ada lovelace'),
        email: sha('ada@example.com'),
        phone: sha('+44 7700 900123'),
        // A country code is not personal: the catalog calls it safe.
        address: { city: sha('camden'), postal_code: sha('nw1 6xe'), country: 'GB' },
        popin_group: 'sofas',
      },
    ])
  })

  it('Segment and the dataLayer with personalData "omit": no personal field at all', () => {
    const win = makeWindow()
    vi.spyOn(win.crypto, 'getRandomValues').mockImplementation(((array: Uint32Array) => array.fill(0)) as never)
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { segment: { personalData: 'omit' }, dataLayer: { personalData: 'omit' } } })
    win.popinEvent('popin_captured', lead)
    expect(calls.analytics).toEqual([
      ['identify', { address: { country: 'GB' }, popin_group: 'sofas' }],
      ['track', 'Lead Captured', { popin_uid: 'u1', group: 'sofas' }],
    ])
    expect(win.dataLayer.at(-1)).toEqual({ event: 'popin.popin_captured', popin: { uid: 'u1', country: 'GB', group: 'sofas' }, popin_event_id: 'popin_captured.00.0' })
  })

  it('rejects an unknown policy with its path', () => {
    const win = makeWindow()
    const { bridge } = bridgeFor(win, { destinations: { segment: { personalData: 'encrypt' as never } } })
    expect(bridge.problems).toEqual([{ path: 'destinations.segment.personalData', message: 'must be one of "send", "hash", "omit"' }])
  })
})

describe('consent defaults reach self-loaded vendors before their first command', () => {
  it('the Pixel is revoked before init; GA4 gets consent default before config', async () => {
    // react-ga4 writes to the global window, so this page is the global one.
    const win = window as any
    const globalLayer = (win.dataLayer = [])
    const { bridge } = bridgeFor(win, { consent: { required: true }, destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-TEST1234' } } })
    expect(asArrays(win.fbq.queue)).toEqual([['consent', 'revoke'], ['init', '1234567890']])
    await vi.waitFor(() => expect(globalLayer.length).toBeGreaterThanOrEqual(3))
    bridge.destroy()
    delete win.fbq
    delete win._fbq
    const layer = asArrays(globalLayer)
    expect(layer[0]).toEqual(['consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' }])
    expect([layer[1]![0], layer[2]]).toEqual(['js', ['config', 'G-TEST1234', { send_page_view: false }]])
  })
})

describe('consent config problems', () => {
  it('are reported with their paths', () => {
    const win = makeWindow()
    const { bridge } = bridgeFor(win, { consent: { required: 'yes', follow: 'onetrust', categories: { ga4: 'marketing', tiktok: 'ads' }, mode: 1 } } as never)
    expect(bridge.problems).toEqual([
      { path: 'consent.required', message: 'must be true or false, not a string' },
      { path: 'consent.follow', message: 'must be one of "tcf", "google"' },
      { path: 'consent.categories.ga4', message: 'must be one of "analytics", "ads", "none"' },
      { path: 'consent.categories.tiktok', message: 'unknown destination; expected one of "facebookPixel", "ga4", "segment", "dataLayer"' },
      { path: 'consent.mode', message: 'unknown key; expected one of "required", "follow", "categories"' },
    ])
  })
})
