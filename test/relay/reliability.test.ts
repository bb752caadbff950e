// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import { forgetVisitor, replayDeadLetters, startRelay } from '../../src/relay/relay'
import { WEBHOOKS } from '../fixtures/webhooks'
import { inboxCount, onEachEngine, quietLog, recentTimestamp, relayConfig, SECRETS, startTestRelay, testDatabase } from './support'

let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

// A missed call reaches all three destinations under the preset.
const rated = (): Record<string, unknown> => ({ ...WEBHOOKS.popin_call_missed, timestamp: recentTimestamp().text })

onEachEngine(() => {
  describe('the webhook endpoint', () => {
    it('relay replay and relay forget, run beside a running relay, leave its requests in flight alone: each is sent once', async () => {
      running = await startTestRelay({ requestTimeoutMs: 3000 })
      const { post, fakes, database } = running
      // Segment takes 600 ms to answer: the commands run while the relay holds its row.
      fakes.respond.segment = () => ({ status: 200, delayMs: 600 })
      expect((await post(rated())).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(await replayDeadLetters({ relay: { database } }, {}, {})).toBe(0)
      expect(await forgetVisitor({ relay: { database } }, { uid: 'u-1' }, {}, {})).toBe(0)
      await expect.poll(() => fakes.messages('segment').length, { timeout: 2000 }).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(fakes.received.filter((r) => r.url.startsWith('/segment/'))).toHaveLength(1)
    })

    it('refuses a missing or wrong X-API-KEY with 401 and stores nothing', async () => {
      running = await startTestRelay()
      const { post, database } = running
      const missing = await post(rated(), { 'x-api-key': '' })
      const wrong = await post(rated(), { 'x-api-key': 'popin-shared-kez' })
      expect([missing.status, await missing.json()]).toEqual([401, { error: 'missing or wrong X-API-KEY' }])
      expect(wrong.status).toBe(401)
      // Closed at once: a body that never ends would otherwise hold it until the server's timeout.
      expect(missing.headers.get('connection')).toBe('close')
      expect(await inboxCount(database)).toBe(0)
    })

    it('answers every kind of bad body with a clear status and message', async () => {
      running = await startTestRelay()
      const { post, relay } = running
      const cases: [string, Record<string, string>, number, string][] = [
        ['event=popin_call_rated', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'body is not valid JSON: '],
        ['{"event": ', {}, 400, 'body is not valid JSON: '],
        ['["popin_call_rated"]', {}, 400, 'body must be a JSON object with an "event" string'],
        ['{"user_id": "pu-42"}', {}, 400, 'body must be a JSON object with an "event" string'],
        [JSON.stringify({ event: 'popin_call_rated', blob: 'x'.repeat(300 * 1024) }), {}, 413, 'body over 262144 bytes'],
      ]
      for (const [body, headers, status, message] of cases) {
        const response = await post(body, headers)
        expect([response.status, (await response.json()).error.slice(0, message.length)]).toEqual([status, message])
      }
      const get = await fetch(`${relay.url}/webhooks/popin`)
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST'])
      expect((await fetch(`${relay.url}/elsewhere`)).status).toBe(404)
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      // Every reason is listed from the start: the counts show these requests were counted.
      for (const [reason, n] of [['json', 2], ['no_event', 2], ['too_large', 1]]) expect(metrics).toContain(`popin_relay_rejected_total{reason="${reason}"} ${n}\n`)
    })

    it('a repeated delivery answers 200 and is forwarded once', async () => {
      running = await startTestRelay()
      const { post, fakes, relay } = running
      const body = rated()
      const first = await (await post(body)).json()
      const again = await (await post({ ...body, properties: { ...(body.properties as object) } })).json()
      expect(first.status).toBe('stored')
      expect(again).toEqual({ status: 'duplicate', id: first.id })
      await expect.poll(() => fakes.received.length).toBe(3)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(fakes.received.length).toBe(3)
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      expect(metrics).toContain('popin_relay_received_total 2\n')
      expect(metrics).toContain('popin_relay_duplicates_total 1\n')
    })
  })

  describe('delivery', () => {
    it('a destination answering 500, then 429 with Retry-After, then timing out, then 200: delivered once', async () => {
      running = await startTestRelay()
      const { post, fakes, relay } = running
      // The relay's timeouts tick about every half second: 400 ms runs out within about 1.4 s.
      fakes.answers.segment.push({ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 200, delayMs: 2000 }, { status: 200 })
      const started = Date.now()
      await post(rated())
      await expect.poll(() => fakes.delivered('segment').length, { timeout: 8000 }).toBe(2)
      const segment = fakes.received.filter((r) => r.url.startsWith('/segment/'))
      expect(segment.map((r) => r.status)).toEqual([500, 429, 200, 200])
      // The timed-out attempt reached the fake but the relay never saw its answer: the retry reuses
      // the same messageId, which Segment deduplicates.
      expect(new Set(segment.map((r) => r.body.messageId)).size).toBe(1)
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      expect(fakes.delivered('meta')).toHaveLength(1)
      expect(fakes.delivered('ga4')).toHaveLength(1)
      await expect.poll(() => relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { done: 1 } })
      expect((await (await fetch(`${relay.url}/healthz`)).json()).outbox).toEqual({})
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      expect(metrics).toContain('popin_relay_retried_total{destination="segment"} 3\n')
      expect(metrics).toContain('popin_relay_forwarded_total{destination="segment"} 1\n')
    }, 10_000)

    it('a non-retryable 4xx goes to the dead letters with the reason; replay sends it again', async () => {
      running = await startTestRelay()
      const { post, fakes, relay, database } = running
      fakes.answers.meta.push({ status: 400, body: '{"error":{"message":"Invalid parameter","code":100}}' })
      await post(rated())
      await expect.poll(async () => (await relay.store.deadLetters()).length).toBe(1)
      expect((await relay.store.deadLetters())[0]).toMatchObject({ destination: 'facebookPixel', attempts: 1, last_error: 'HTTP 400: {"error":{"message":"Invalid parameter","code":100}}' })
      await expect.poll(async () => (await (await fetch(`${relay.url}/healthz`)).json()).outbox).toEqual({ facebookPixel: { dead: 1 } })
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      expect(metrics).toContain('popin_relay_outbox{destination="facebookPixel",status="dead"} 1\n')
      expect(await replayDeadLetters({ relay: { database } }, {}, {})).toBe(1)
      await expect.poll(() => fakes.delivered('meta').length).toBe(1)
      expect(await relay.store.deadLetters()).toEqual([])
    })

    it('/healthz and /metrics count what waits and what is dead, by destination, delivered rows not', async () => {
      running = await startTestRelay()
      const { post, fakes, relay } = running
      const later = { status: 503, headers: { 'retry-after': '3600' } }
      fakes.answers.meta.push({ status: 400, body: '{"error":{"message":"Invalid parameter","code":100}}' }, later)
      fakes.answers.segment.push(later)
      const outbox = async () => (await (await fetch(`${relay.url}/healthz`)).json()).outbox
      await post(rated())
      // Segment's first answer taken by the first webhook's request alone: the next one is another request.
      await expect.poll(() => fakes.received.filter((r) => r.url.startsWith('/segment/')).length).toBe(1)
      await expect.poll(outbox).toEqual({ facebookPixel: { dead: 1 }, segment: { pending: 1 } })
      await post({ ...rated(), user_id: 'u-2' })
      await expect.poll(() => fakes.received.filter((r) => r.url.startsWith('/meta/')).length).toBe(2)
      await expect.poll(outbox).toEqual({ facebookPixel: { pending: 1, dead: 1 }, segment: { pending: 1 } })
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      expect(metrics.split('\n').filter((line) => line.startsWith('popin_relay_outbox{'))).toEqual([
        'popin_relay_outbox{destination="facebookPixel",status="dead"} 1',
        'popin_relay_outbox{destination="facebookPixel",status="pending"} 1',
        'popin_relay_outbox{destination="ga4",status="dead"} 0',
        'popin_relay_outbox{destination="ga4",status="pending"} 0',
        'popin_relay_outbox{destination="segment",status="dead"} 0',
        'popin_relay_outbox{destination="segment",status="pending"} 1',
      ])
      expect(await relay.store.counts()).toEqual({ facebookPixel: { dead: 1, pending: 1 }, ga4: { done: 2 }, segment: { done: 1, pending: 1 } })
    })

    it("Meta's throttling codes are retried, not dead-lettered", async () => {
      running = await startTestRelay()
      const { post, fakes } = running
      fakes.answers.meta.push({ status: 400, body: '{"error":{"message":"Application request limit reached","code":4}}' })
      await post(rated())
      await expect.poll(() => fakes.delivered('meta').length).toBe(1)
      expect(fakes.received.filter((r) => r.url.startsWith('/meta/')).map((r) => r.status)).toEqual([400, 200])
    })

    it('events past a vendor age window are dead-lettered without a request: Meta 7 days, GA4 72 hours', async () => {
      running = await startTestRelay()
      const { post, fakes, relay } = running
      const fourDaysAgo = new Date(Date.now() - 4 * 24 * 3600 * 1000).toISOString()
      await post({ ...rated(), timestamp: fourDaysAgo })
      await expect.poll(() => fakes.received.length).toBe(2)
      expect(fakes.received.map((r) => r.url.split('/')[1])).toEqual(expect.arrayContaining(['meta', 'segment']))
      await expect.poll(async () => (await relay.store.deadLetters()).map((d) => [d.destination, d.last_error])).toEqual([
        ['ga4', 'older than 72 hours: ga4 refuses events that old'],
      ])
    })
  })

  describe('configuration', () => {
    it('refuses to start without the Popin API key, unless the config allows Popin\'s "." setting', async () => {
      const config = relayConfig(await testDatabase(), {})
      const env = { ...SECRETS, POPIN_BRIDGE_POPIN_API_KEY: undefined }
      await expect(startRelay(config, { env, log: quietLog() })).rejects.toThrow(
        'set POPIN_BRIDGE_POPIN_API_KEY to the API key entered in Popin\'s webhook settings (or set relay.allowMissingApiKey for Popin\'s "." setting)',
      )
      const open = await startRelay(relayConfig(await testDatabase(), {}, { allowMissingApiKey: true }), { env, log: quietLog() })
      const response = await fetch(`${open.url}/webhooks/popin`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': '.' }, body: JSON.stringify(rated()) })
      expect(response.status).toBe(200)
      await open.close()
    })

    it('turns off a destination whose id or secret is missing, and says which', async () => {
      const log = quietLog()
      const relay = await startRelay(relayConfig(await testDatabase(), {}), { env: { ...SECRETS, POPIN_BRIDGE_GA4_API_SECRET: undefined }, log })
      expect(log.warn.mock.calls.map((c) => c[0])).toEqual([
        'relay: ga4 is off: set POPIN_BRIDGE_GA4_API_SECRET',
        expect.stringMatching(/^relay: listening on http:\/\/127\.0\.0\.1:\d+\/webhooks\/popin; forwarding to facebookPixel, segment$/),
      ])
      await relay.close()
    })

    it('rejects a config holding a secret, and a bad relay section, with their paths', async () => {
      const config = {
        destinations: { facebookPixel: { pixelId: '1234567890', accessToken: 'EAAB' } },
        relay: { port: 'eighty', timeZone: 'Mars/Olympus', actionSource: 'fax', api_secret: 'x', endpoints: { ga4: 'ftp://x' } },
      }
      await expect(startRelay(config, { env: SECRETS, log: quietLog() })).rejects.toThrow(
        [
          'the config has 6 problem(s):',
          'relay.port: must be a whole number from 0 to 65535',
          'relay.timeZone: must be an IANA time zone such as "Asia/Kolkata"',
          'relay.actionSource: must be one of "chat", "phone_call", "website", "email", "app", "physical_store", "system_generated", "business_messaging", "other"',
          'relay.endpoints.ga4: must be an http(s) URL',
          'relay.api_secret: secrets come from environment variables, never from the config (POPIN_BRIDGE_META_ACCESS_TOKEN, POPIN_BRIDGE_GA4_API_SECRET, POPIN_BRIDGE_SEGMENT_WRITE_KEY, POPIN_BRIDGE_POPIN_API_KEY)',
          'destinations.facebookPixel.accessToken: secrets come from environment variables, never from the config (POPIN_BRIDGE_META_ACCESS_TOKEN, POPIN_BRIDGE_GA4_API_SECRET, POPIN_BRIDGE_SEGMENT_WRITE_KEY, POPIN_BRIDGE_POPIN_API_KEY)',
        ].join('\n'),
      )
    })
  })
})
