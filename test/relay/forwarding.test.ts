// @vitest-environment node
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { clientId } from '../../adapters/ga4/measurement-protocol'
import { version } from '../../package.json'
import { WEBHOOKS } from '../fixtures/webhooks'
import { expectNoPersonalDataSent } from '../support/fake-destinations'
import { onEachEngine, recentTimestamp, SECRETS, startTestRelay } from './support'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

const url = 'https://shop.example/product/42'
const ADA = { em: sha('ada@example.com'), ph: sha('447700900123'), fn: sha('ada'), ln: sha('lovelace'), external_id: sha('pu-42') }
const SCHEDULED_AT = '2026-11-24T10:00:00.000Z'

/** The Conversions API event each webhook becomes under the preset; null: not sent to Meta. */
// A lead, a schedule, a finished call and a rating reach Meta from the Pixel: the same occurrence
// from both channels would share no id and count twice (README, "Which channel sends what").
const META: Record<string, [string, Record<string, unknown>] | null> = {
  popin_call_successful: null,
  popin_call_missed: ['PopinCallMissed', { product: 'Blue Sofa' }],
  popin_call_abandoned: ['PopinCallAbandoned', { product: 'Blue Sofa' }],
  popin_call_remark_added: null,
  popin_scheduled_created: null,
  popin_missed_notification: null,
  popin_scheduled_notification: null,
  popin_prescheduled_notification: null,
  popin_user_captured: null,
  popin_call_rated: null,
  popin_call_guest_connected: null,
}

/** The GA4 event each webhook becomes under the preset; null: the page sends it (GA4 would count both). */
const GA4: Record<string, [string, Record<string, unknown>] | null> = {
  popin_call_successful: ['popin_call_successful', { call_duration: '00:12:30' }],
  popin_call_missed: ['popin_call_missed', {}],
  popin_call_abandoned: ['popin_call_abandoned', {}],
  popin_call_remark_added: ['popin_call_remark_added', { call_duration: '00:12:30' }],
  popin_scheduled_created: null,
  popin_missed_notification: ['popin_missed_notification', {}],
  popin_scheduled_notification: ['popin_scheduled_notification', { scheduled_at: SCHEDULED_AT }],
  popin_prescheduled_notification: ['popin_prescheduled_notification', { scheduled_at: SCHEDULED_AT }],
  popin_user_captured: null,
  popin_call_rated: null,
  popin_call_guest_connected: ['popin_call_guest_connected', { guest_type: 'agent' }],
}

const who = { popin_user_id: 'pu-42' }
const sched = { ...who, scheduled_at: SCHEDULED_AT, scheduled_date: '24-Nov-2026', scheduled_time: '03:30 PM', url, agent_name: 'Grace Hopper' }
const SEGMENT: Record<string, [string, string | undefined, Record<string, unknown>][]> = {
  popin_call_successful: [['track', 'Call Completed', { ...who, url, agent_name: 'Grace Hopper', product: 'Blue Sofa', call_duration: '00:12:30' }]],
  popin_call_missed: [['track', 'Call Missed', { ...who, url, product: 'Blue Sofa' }]],
  popin_call_abandoned: [['track', 'Call Abandoned', { ...who, url, product: 'Blue Sofa' }]],
  popin_call_remark_added: [['track', 'Call Remark Added', { ...who, remark: 'Wants the sofa in green', call_duration: '00:12:30' }]],
  // A schedule, a lead and a rating are tracked from the page: here only the identify.
  popin_scheduled_created: [],
  popin_missed_notification: [['track', 'Missed Call Notification Sent', { ...who, url, agent_name: 'Grace Hopper' }]],
  popin_scheduled_notification: [['track', 'Call Reminder Sent', sched]],
  popin_prescheduled_notification: [['track', 'Call Pre-Reminder Sent', sched]],
  popin_user_captured: [['identify', undefined, { name: 'Ada Lovelace', email: 'Ada@Example.com', phone: '7700900123', country_code: '+44' }]],
  popin_call_rated: [],
  popin_call_guest_connected: [['track', 'Call Guest Connected', { ...who, guest_type: 'agent', url }]],
}

onEachEngine(() => {
  describe('every Popin webhook: the exact request each destination receives', () => {
    it.each(Object.keys(WEBHOOKS))('%s', async (name) => {
      running = await startTestRelay()
      const { post, fakes } = running
      const at = recentTimestamp()
      const body = { ...WEBHOOKS[name], timestamp: at.text }
      const response = await post(body)
      expect(response.status).toBe(200)
      const { status, id } = await response.json()
      expect(status).toBe('stored')
      // Segment's messages of one webhook (identify and track) may share one /v1/batch request.
      await expect.poll(() => fakes.messages('meta').length + fakes.messages('ga4').length + fakes.messages('segment').length).toBe((META[name] ? 1 : 0) + (GA4[name] ? 1 : 0) + SEGMENT[name]!.length)
      const seconds = at.date.getTime() / 1000

      const meta = fakes.received.filter((r) => r.url.startsWith('/meta/'))
      if (META[name]) {
        const [eventName, customData] = META[name]!
        expect(meta.map((r) => r.url)).toEqual([`/meta/v21.0/1234567890/events?access_token=${SECRETS.POPIN_BRIDGE_META_ACCESS_TOKEN}`])
        const event: Record<string, unknown> = {
          event_name: eventName,
          event_time: seconds,
          // One id per occurrence, from the webhook's key: the same on every retry.
          event_id: `${name}.${id.slice(8, 32)}`,
          action_source: 'chat',
          user_data: ADA,
          custom_data: customData,
        }
        if ((WEBHOOKS[name]!.properties as any).url) event.event_source_url = url
        expect(meta[0]!.body).toEqual({ data: [event] })
      } else expect(meta).toEqual([])

      const ga = fakes.received.filter((r) => r.url.startsWith('/ga4/'))
      if (GA4[name]) {
        expect(ga.map((r) => r.url)).toEqual([`/ga4/mp/collect?measurement_id=G-TEST1234&api_secret=${SECRETS.POPIN_BRIDGE_GA4_API_SECRET}`])
        const [gaName, gaParams] = GA4[name]!
        expect(ga[0]!.body).toEqual({ client_id: clientId('pu-42', sha), timestamp_micros: seconds * 1_000_000, events: [{ name: gaName, params: gaParams }] })
      } else expect(ga).toEqual([])

      const segmentRequests = fakes.received.filter((r) => r.url.startsWith('/segment/'))
      expect(segmentRequests.map((r) => r.headers.authorization)).toEqual(segmentRequests.map(() => `Basic ${Buffer.from(`${SECRETS.POPIN_BRIDGE_SEGMENT_WRITE_KEY}:`).toString('base64')}`))
      // One message alone goes to its own endpoint (/v1/track…), several together to /v1/batch.
      for (const r of segmentRequests) {
        const messages = fakes.messages('segment', [r])
        expect(r.url).toBe(messages.length > 1 ? '/segment/v1/batch' : `/segment/v1/${messages[0].type}`)
      }
      const segment = fakes.messages('segment', segmentRequests).sort((a, b) => a.messageId.localeCompare(b.messageId))
      expect(segment.map((message) => [`/segment/v1/${message.type}`, message])).toEqual(
        SEGMENT[name]!.map(([type, event, fields], index) => [
          `/segment/v1/${type}`,
          {
            type,
            anonymousId: 'popin-pu-42',
            messageId: `${name}.${id.slice(8, 32)}.${index}`,
            timestamp: at.date.toISOString(),
            context: { library: { name: 'popin-bridge-relay', version } },
            ...(type === 'identify' ? { traits: fields } : { event, properties: fields }),
          },
        ]),
      )
    })

    // A shop that sends leads to Meta from the relay turns the Pixel's Lead off and this one on.
    const leadsFromRelay = (config: any) => ({
      ...config,
      destinations: { ...config.destinations, facebookPixel: { ...config.destinations.facebookPixel, events: { popin_captured: false }, webhooks: { popin_user_captured: { name: 'Lead' } } } },
    })

    it("hashes user_data exactly as Meta's published examples", async () => {
      running = await startTestRelay({}, leadsFromRelay)
      const { post, fakes } = running
      await post({
        event: 'popin_user_captured',
        user_id: 'pu-7',
        timestamp: recentTimestamp().text,
        // Popin sends "" for what it does not have: the properties.customer_* fields count then.
        email: '',
        phone_number: '',
        properties: { customer_name: 'Mary', customer_email: ' John_Smith@gmail.com ', customer_phone_number: '+1 (650) 555-1212' },
      })
      await expect.poll(() => fakes.received.filter((r) => r.url.startsWith('/meta/')).length).toBe(1)
      const meta = fakes.received.find((r) => r.url.startsWith('/meta/'))!
      expect(meta.body.data[0].user_data).toEqual({
        em: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
        ph: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
        fn: '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec',
        external_id: sha('pu-7'),
      })
    })

    it('adds the webhook\'s country code to a phone sent without one, as Meta requires', async () => {
      running = await startTestRelay({}, leadsFromRelay)
      const { post, fakes } = running
      await post({ event: 'popin_user_captured', user_id: 'pu-91', timestamp: recentTimestamp().text, properties: { customer_country_code: '+91', customer_phone_number: '98765 43210' } })
      await expect.poll(() => fakes.received.filter((r) => r.url.startsWith('/meta/')).length).toBe(1)
      expect(fakes.received.find((r) => r.url.startsWith('/meta/'))!.body.data[0].user_data).toEqual({ ph: sha('919876543210'), external_id: sha('pu-91') })
    })

    it('two webhooks are two occurrences: two ids; the same webhook again is one', async () => {
      running = await startTestRelay()
      const { post, fakes } = running
      const missed: Record<string, unknown> = { ...WEBHOOKS.popin_call_missed, timestamp: recentTimestamp().text }
      await post(missed)
      await post({ ...missed, properties: { ...(missed.properties as object), product: 'Green Sofa' } })
      expect((await (await post(missed)).json()).status).toBe('duplicate')
      await expect.poll(() => fakes.messages('meta').length).toBe(2)
      const ids = fakes.messages('meta').map((event) => event.event_id)
      expect(new Set(ids).size).toBe(2)
      for (const id of ids) expect(id).toMatch(/^popin_call_missed\.[0-9a-f]{24}$/)
    })

    it('Segment with personalData "omit" gets no email anywhere, anonymousId included', async () => {
      running = await startTestRelay({}, (config) => ({ ...config, destinations: { ...config.destinations, segment: { personalData: 'omit' } } }))
      const { post, fakes } = running
      const { user_id: _visitor, ...anonymous } = WEBHOOKS.popin_user_captured as Record<string, unknown>
      await post({ ...anonymous, timestamp: recentTimestamp().text })
      await expect.poll(() => fakes.messages('segment').length).toBe(1)
      const segment = fakes.messages('segment')
      expect(JSON.stringify(segment).toLowerCase()).not.toContain('example.com')
      expect(segment.map((body) => body.anonymousId)).toEqual(segment.map(() => expect.stringMatching(/^popin-popin_user_captured\.[0-9a-f]{24}$/)))
      expect(segment.find((body) => body.type === 'identify').traits).toEqual({ country_code: '+44' })
    })

    it('an unknown event is stored, acknowledged and handled by the "*" rules: never lost', async () => {
      running = await startTestRelay()
      const { post, fakes } = running
      const response = await post({ event: 'popin_call_transferred', user_id: 'pu-42', timestamp: recentTimestamp().text, properties: { to: 'sofas team' } })
      expect(response.status).toBe(200)
      await expect.poll(() => fakes.received.length).toBe(2)
      expect(fakes.received.find((r) => r.url.startsWith('/ga4/'))!.body.events).toEqual([{ name: 'popin_call_transferred', params: {} }])
      expect(fakes.received.find((r) => r.url.startsWith('/segment/'))!.body).toMatchObject({ type: 'track', event: 'popin_call_transferred', properties: { to: 'sofas team', user_id: 'pu-42' } })
    })

    it('GA4 and Meta never receive personal data in clear from any webhook', async () => {
      running = await startTestRelay()
      const { post, fakes } = running
      for (const body of Object.values(WEBHOOKS)) await post({ ...body, timestamp: recentTimestamp().text })
      await expect.poll(() => fakes.messages('ga4').length + fakes.messages('meta').length).toBe(Object.values(GA4).filter(Boolean).length + Object.values(META).filter(Boolean).length)
      // Every form of every fixture value; a form made only of hex characters ("ada") counts only
      // as a whole run, since a random hex event_id or a hash may hold it.
      expectNoPersonalDataSent(fakes)
    })

    it('a phone number in groups inside a product name, or an email percent-encoded in the page address, never reaches Meta', async () => {
      running = await startTestRelay()
      const { post, fakes } = running
      const properties = { product: 'ring 07700 900 123 or 415-555-0123', url: 'https://shop.example/account/ada%40example.com/orders' }
      expect((await post({ ...WEBHOOKS.popin_call_missed, timestamp: recentTimestamp().text, properties })).status).toBe(200)
      await expect.poll(() => fakes.messages('meta').length).toBe(1)
      const [event] = fakes.messages('meta')
      expect([event.custom_data, event.event_source_url]).toEqual([{}, undefined])
    })
  })
})

describe('the webhook preset', () => {
  it('is itself a valid config for every destination', async () => {
    const { validateConfig } = await import('../../src/index')
    const { serverSenders } = await import('../../adapters/server')
    const destinations = Object.fromEntries(serverSenders.map((server) => [server.browser.name, { webhooks: server.webhookPreset }]))
    expect(validateConfig({ extends: 'none', destinations })).toEqual([])
  })
})
