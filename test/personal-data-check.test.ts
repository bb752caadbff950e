// @vitest-environment node
import { createHash } from 'node:crypto'
import { Window } from 'happy-dom'
import { afterEach, describe, expect, it } from 'vitest'
import { INDIAN_LEAD, INDIAN_SESSION, SESSION } from './fixtures/session'
import { INDIAN_WEBHOOKS, WEBHOOKS } from './fixtures/webhooks'
import { bridgeFor, installFakeVendors, makeWindow } from './helpers'
import { recentTimestamp, startTestRelay } from './relay/support'
import { expectNoPersonalDataSent, type Recorded } from './support/fake-destinations'
import {
  expectNoPersonalData,
  expectNoPersonalDataOnWindow,
  formsOf,
  PERSONAL_FIXTURE_VALUES,
  PERSONAL_FORMS,
} from './support/personal-data'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const gtag = (name: string, params: Record<string, unknown> = {}) => ['event', name, { popin_uid: 'u-91', send_to: 'G-PAGE1234', ...params }]
const lead = (eventID: string) => ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form' }, { eventID }]

describe('the suite-wide personal-data check can fail', () => {
  it('derives the forms a value leaks in: as given, lowercased, slugified, and for phones digits and last ten', () => {
    const texts = (value: string, kind: 'name' | 'phone' | 'email') => formsOf({ kind, value }).map((form) => form.text)
    // Searched case-insensitively: "as given" also stands for its lowercased form.
    expect(texts('Priya Sharma', 'name')).toEqual(expect.arrayContaining(['Priya Sharma', 'priya_sharma', 'priya-sharma', 'priyasharma', 'Priya%20Sharma']))
    expect(texts('+91 98765 43210', 'phone')).toEqual(expect.arrayContaining(['+91 98765 43210', '91_98765_43210', '919876543210', '9876543210', '09876543210']))
    expect(texts('priya.sharma@example.in', 'email')).toEqual(expect.arrayContaining(['priya.sharma@example.in', 'priya_sharma_example_in', 'priya.sharma%40example.in']))
  })

  it('a GA4 event name "lead_priya_sharma" fails, naming the form', () => {
    expect(() => expectNoPersonalData('GA4', [gtag('lead_priya_sharma')])).toThrow(/"priya_sharma" \(name "Priya Sharma", slugified with _\)/)
  })

  it('a param holding the last ten digits of the mobile fails, naming the form', () => {
    expect(() => expectNoPersonalData('GA4', [gtag('generate_lead', { callback: '9876543210' })])).toThrow(/"9876543210" \(phone "\+91 98765 43210", last ten digits\)/)
    expect(() => expectNoPersonalData('GA4', [gtag('generate_lead', { tel: 'tel:919876543210' })])).toThrow(/"919876543210" \(phone "\+91 98765 43210", digits only\)/)
  })

  it('an eventID holding the email fails, in any case, naming the form', () => {
    expect(() => expectNoPersonalData('Facebook', [lead('Lead.priya.sharma@example.in')])).toThrow(/"priya.sharma@example.in" \(email "priya.sharma@example.in", as given\)/)
    expect(() => expectNoPersonalData('Facebook', [lead('Lead.PRIYA.SHARMA@EXAMPLE.IN')])).toThrow(/priya\.sharma@example\.in/)
  })

  it('lists every leaked form, in the message', () => {
    let message = ''
    try {
      expectNoPersonalData('GA4', [gtag('lead_priya_sharma', { city: 'Pune', pin: '411001', note: 'call me back after 6pm, priya' })])
    } catch (error) {
      message = (error as Error).message
    }
    for (const form of ['"priya_sharma"', '"Priya"', '"Sharma"', '"Pune"', '"411001"', '"Call me back after 6pm, Priya"']) expect(message).toContain(form)
  })

  it('every form of every fixture value fails, named in the message', () => {
    expect(PERSONAL_FORMS.length).toBeGreaterThan(100)
    const missed = PERSONAL_FORMS.filter((form) => {
      try {
        expectNoPersonalData('GA4', [gtag('popin_event', { value: `x ${form.text} x` })])
        return true
      } catch (error) {
        return !(error as Error).message.includes(JSON.stringify(form.text))
      }
    })
    expect(missed.map((form) => `${form.source.kind} ${JSON.stringify(form.source.value)}, ${form.how}: ${JSON.stringify(form.text)}`)).toEqual([])
  })

  it('SHA-256 hex hashes of the personal values do not trigger it', () => {
    const hashes = PERSONAL_FIXTURE_VALUES.flatMap(({ value }) => [sha(value), sha(value.trim().toLowerCase()), sha(value.replace(/\D/g, ''))])
    expect(() => expectNoPersonalData('Facebook', [['init', '1234567890', { em: sha('priya.sharma@example.in'), ph: sha('919876543210') }], hashes])).not.toThrow()
  })

  it('a digits-only or hex-only form inside a hex string does not trigger it; beside other characters it does', () => {
    const inHash = `ab${'9876543210'}cd${'411001'}e${'ada'}f`.padEnd(64, '0')
    expect(inHash).toMatch(/^[0-9a-f]{64}$/)
    expect(() => expectNoPersonalData('GA4', [gtag('popin_event', { id: inHash, n: '19876543210', m: '4110012' })])).not.toThrow()
    expect(() => expectNoPersonalData('GA4', [gtag('popin_event', { id: 'u-9876543210' })])).toThrow('"9876543210"')
    expect(() => expectNoPersonalData('GA4', [gtag('popin_event', { pin: 'pin 411001.' })])).toThrow('"411001"')
  })

  it('a clean session passes', () => {
    expect(() => expectNoPersonalData('GA4', [gtag('generate_lead', { lead_source: 'popin', popin_group: 'sofas' })])).not.toThrow()
  })

  it("checks a page's fbq queue and gtag's dataLayer commands (what setup.ts runs after each test)", async () => {
    const win = new Window({ url: 'https://shop.example/' }) as any
    try {
      win.fbq = { queue: [['track', 'Lead', { city: 'Pune' }]] }
      expect(() => expectNoPersonalDataOnWindow(win)).toThrow(/Facebook received personal data in clear:[\s\S]*"Pune"/)
      win.fbq = { queue: [] }
      win.dataLayer = [{ event: 'popin.popin_captured', popin: INDIAN_LEAD }, ['event', 'lead', { who: 'priya_sharma' }]]
      expect(() => expectNoPersonalDataOnWindow(win)).toThrow(/GA4 received personal data in clear:[\s\S]*"priya_sharma"/)
      // The GTM dataLayer's own events may hold the payload: the shop's tags decide.
      win.dataLayer = [{ event: 'popin.popin_captured', popin: INDIAN_LEAD }]
      expect(() => expectNoPersonalDataOnWindow(win)).not.toThrow()
    } finally {
      await win.happyDOM.close()
    }
  })

  it("checks what the relay's fake destinations received: GA4 bodies, Meta's events, Meta's user_data hashed", () => {
    const request = (url: string, body: unknown): Recorded => ({ method: 'POST', url, headers: {}, body, status: 200 })
    const metaEvent = (fields: Record<string, unknown>) => ({ event_name: 'Lead', event_id: 'Lead.pu-91', action_source: 'chat', user_data: { em: sha('priya.sharma@example.in') }, custom_data: {}, ...fields })
    const meta = (fields: Record<string, unknown>) => ({ received: [request('/meta/v21.0/1234567890/events', { data: [metaEvent(fields)] })] })
    expect(() => expectNoPersonalDataSent(meta({}))).not.toThrow()
    expect(() => expectNoPersonalDataSent(meta({ custom_data: { remark: 'Call me back after 6pm, Priya' } }))).toThrow(/Meta got "Call me back after 6pm, Priya"/)
    expect(() => expectNoPersonalDataSent(meta({ event_name: 'Lead_Pune' }))).toThrow(/Meta got "Pune"/)
    expect(() => expectNoPersonalDataSent(meta({ event_id: 'Lead.919876543210' }))).toThrow(/"919876543210"/)
    expect(() => expectNoPersonalDataSent(meta({ user_data: { em: 'priya.sharma@example.in' } }))).toThrow(/user_data.em is not a SHA-256 hex hash/)
    expect(() => expectNoPersonalDataSent(meta({ user_data: { ph: sha('919876543210').toUpperCase() } }))).toThrow(/user_data.ph is not a SHA-256 hex hash/)
    const ga4 = { received: [request('/ga4/mp/collect', { client_id: '1.2', events: [{ name: 'generate_lead', params: { pin_code: '411001' } }] })] }
    expect(() => expectNoPersonalDataSent(ga4)).toThrow(/GA4 got "411001"/)
    // Segment may receive personal data.
    expect(() => expectNoPersonalDataSent({ received: [request('/segment/v1/identify', { traits: INDIAN_LEAD })] })).not.toThrow()
  })

  it('knows every personal field of the fixtures', () => {
    const PERSONAL_KEY = /^(name|email|mobile|phone|city|pin_code|comment|comments|remark|customer_name|customer_email|customer_phone_number|phone_number|full_phone_number|agent_name|agent_email|guest_agent_name|guest_agent_email)$/
    const listed = new Set(PERSONAL_FIXTURE_VALUES.map(({ value }) => value))
    const missing: string[] = []
    const walk = (value: unknown, key = ''): void => {
      if (typeof value === 'string' && PERSONAL_KEY.test(key) && !listed.has(value.trim())) missing.push(`${key}: ${value}`)
      if (value && typeof value === 'object') for (const [childKey, child] of Object.entries(value)) walk(child, Array.isArray(value) ? key : childKey)
    }
    walk([SESSION, INDIAN_SESSION, WEBHOOKS, INDIAN_WEBHOOKS])
    expect(missing).toEqual([])
  })
})

// The Pune lead through the product: the suite-wide check (test/setup.ts) runs after each test.
describe('the Pune lead reaches GA4 and Facebook with no personal data', () => {
  it('in a page, through the bridge', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-PAGE1234' } } })
    for (const [name, data] of INDIAN_SESSION) win.popinEvent(name, data)
    bridge.destroy()
    expect(calls.gtag.length).toBeGreaterThan(INDIAN_SESSION.length)
    expect(calls.fbq.length).toBeGreaterThan(2)
  })

  let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
  afterEach(async () => {
    await running?.close()
    running = undefined
  })

  it('through the relay, from every webhook', async () => {
    running = await startTestRelay()
    for (const body of Object.values(INDIAN_WEBHOOKS)) expect((await running.post({ ...body, timestamp: recentTimestamp().text })).status).toBe(200)
    // GA4 gets every webhook but a lead, a rating and a schedule (the page sends those); Meta some, alongside.
    await expect.poll(() => running!.fakes.messages('ga4').length).toBe(Object.keys(INDIAN_WEBHOOKS).length - 3)
    await new Promise((resolve) => setTimeout(resolve, 300))
  })
})
