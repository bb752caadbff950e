// @vitest-environment node
import { request } from 'node:http'
import { connect } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nestedDeeperThan } from '../../src/lib/nested-deeper-than'
import { createMetrics } from '../../src/relay/metrics'
import { MAX_BODY_DEPTH, startRelay, type Relay } from '../../src/relay/relay'
import { startFakeDestinations } from '../support/fake-destinations'
import { inboxCount, onEachEngine, quietLog, recentTimestamp, relayConfig, SECRETS, startTestRelay, testDatabase } from './support'

let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
const others: { close(): Promise<void> }[] = []
afterEach(async () => {
  await running?.close()
  running = undefined
  for (const other of others.splice(0).reverse()) await other.close()
})

// A missed call reaches all three destinations under the preset.
const rated = (user = 'pu-42') => ({ event: 'popin_call_missed', user_id: user, timestamp: recentTimestamp().text, properties: { product: 'Blue Sofa' } })

/** A POST with exactly these headers (fetch would add a Content-Type of its own). */
function rawPost(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/webhooks/popin`, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** An object `levels` deep (`{}` is one level) with an event at the top. */
function nestedWebhook(levels: number): string {
  let inner: unknown = {}
  for (let level = 2; level < levels; level++) inner = { a: inner }
  return JSON.stringify({ ...rated(`depth-${levels}`), deep: inner })
}

describe('the body decides, not the Content-Type', () => {
  it('stores a JSON object sent with any Content-Type, or none', async () => {
    running = await startTestRelay()
    const { relay, database, fakes } = running
    const key = { 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY }
    const answers = [
      await rawPost(relay.url, key, JSON.stringify(rated('none'))),
      await rawPost(relay.url, { ...key, 'content-type': 'text/plain' }, JSON.stringify(rated('text'))),
      await rawPost(relay.url, { ...key, 'content-type': 'application/x-www-form-urlencoded' }, JSON.stringify(rated('form'))),
    ]
    expect(answers.map((a) => [a.status, JSON.parse(a.text).status])).toEqual([
      [200, 'stored'],
      [200, 'stored'],
      [200, 'stored'],
    ])
    expect(await inboxCount(database)).toBe(3)
    await expect.poll(() => fakes.messages('segment').map((message) => message.properties.popin_user_id).sort()).toEqual(['form', 'none', 'text'])
  })

  it('still refuses what is not JSON, or not an object with an event, with 400', async () => {
    running = await startTestRelay()
    const { relay, database } = running
    const key = { 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY }
    const form = await rawPost(relay.url, { ...key, 'content-type': 'application/x-www-form-urlencoded' }, 'event=popin_call_rated')
    expect(form.status).toBe(400)
    expect(JSON.parse(form.text).error).toMatch(/^body is not valid JSON: /)
    const array = await rawPost(relay.url, { ...key, 'content-type': 'text/plain' }, '["popin_call_rated"]')
    expect([array.status, array.text]).toEqual([400, '{"error":"body must be a JSON object with an \\"event\\" string"}'])
    expect(await inboxCount(database)).toBe(0)
  })
})

describe('a sender that goes away mid-body', () => {
  it('is no error of the relay: nothing logged as one, nothing stored, nothing answered; the next webhook is stored', async () => {
    running = await startTestRelay()
    const { relay, post, database, log } = running
    const { port } = new URL(relay.url)
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /webhooks/popin HTTP/1.1\r\nHost: x\r\nX-API-KEY: ${SECRETS.POPIN_BRIDGE_POPIN_API_KEY}\r\nContent-Length: 100\r\n\r\n{"event":`)
        setTimeout(() => socket.destroy(), 100)
      })
      socket.on('close', () => resolve())
      socket.on('error', reject)
    })
    // The relay has seen the connection end (debug lines only, which this log does not show).
    await expect.poll(() => log.debug.mock.calls.length).toBe(1)
    expect(log.debug.mock.calls).toEqual([['relay: the sender went away before the body ended: aborted']])
    expect(log.error).not.toHaveBeenCalled()
    expect(await inboxCount(database)).toBe(0)
    expect((await post(rated())).status).toBe(200)
  })
})

describe('a refused sender whose body never ends', () => {
  it('is answered 401 and the connection closed at once, not held to the server\'s timeout', async () => {
    running = await startTestRelay()
    const { port } = new URL(running.relay.url)
    const { answer, closedAfterMs } = await new Promise<{ answer: string; closedAfterMs: number }>((resolve, reject) => {
      let answer = ''
      const started = Date.now()
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /webhooks/popin HTTP/1.1\r\nHost: x\r\nX-API-KEY: wrong\r\nTransfer-Encoding: chunked\r\n\r\n')
        // A chunk every 50 ms, never the last one.
        const drip = setInterval(() => socket.writable && socket.write('1\r\nx\r\n'), 50)
        socket.on('close', () => clearInterval(drip))
      })
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => (answer += chunk))
      socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }))
      socket.on('error', () => undefined)
      setTimeout(() => reject(new Error(`still open after 3 s: ${answer}`)), 3000).unref()
    })
    expect(answer).toMatch(/^HTTP\/1\.1 401 /)
    expect(closedAfterMs).toBeLessThan(2000)
  })
})

describe('deeply nested bodies', () => {
  const tooDeep = `{"error":"body nested deeper than ${MAX_BODY_DEPTH} levels"}`

  it('measures depth without recursion: {} is one level, [[]] two, scalars none', () => {
    expect(MAX_BODY_DEPTH).toBe(32)
    expect([nestedDeeperThan('x', 0), nestedDeeperThan({}, 0), nestedDeeperThan({}, 1), nestedDeeperThan([[]], 1), nestedDeeperThan({ a: [1] }, 2)]).toEqual([false, true, false, true, false])
    const deep = JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000))
    expect(nestedDeeperThan(deep, MAX_BODY_DEPTH)).toBe(true)
  })

  it(`accepts ${MAX_BODY_DEPTH} levels; refuses 33, 40 and 100,000 with 400, storing nothing`, async () => {
    running = await startTestRelay()
    const { post, relay, database } = running
    const answer = async (body: string) => {
      const response = await post(body)
      return [response.status, await response.text()]
    }
    expect(await answer(nestedWebhook(33))).toEqual([400, tooDeep])
    expect(await answer(nestedWebhook(40))).toEqual([400, tooDeep])
    // JSON.parse reads these; the recursive canonical JSON of the idempotency key would overflow.
    expect(await answer('['.repeat(100_000) + ']'.repeat(100_000))).toEqual([400, tooDeep])
    expect(await answer(`{"event":"popin_call_rated","deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toEqual([400, tooDeep])
    const unclosed = await post('['.repeat(100_000))
    expect([unclosed.status, (await unclosed.json()).error]).toEqual([400, 'body is not valid JSON: Unexpected end of JSON input'])
    // Where it breaks, never the text itself (V8's message quotes it: an email, a phone number).
    for (const [body, error] of [
      ['ada@example.com', 'body is not valid JSON: unexpected character at line 1, column 1'],
      ['{"event":"popin_user_captured","name":"Ada Lovelace","phone":+447700900123}', 'body is not valid JSON: unexpected character at line 1, column 62'],
      // Too deep for the parser that finds places, and V8 quotes the middle of the text.
      [`${'['.repeat(20_000)}ada@example.com`, 'body is not valid JSON: not JSON, nested too deeply to say where'],
      // "position" in the text itself is no place.
      ['ada@ex.io position 1', 'body is not valid JSON: unexpected character at line 1, column 1'],
    ]) {
      const refused = await post(body!)
      expect([refused.status, (await refused.json()).error]).toEqual([400, error])
    }
    expect(await inboxCount(database)).toBe(0)

    const [status, text] = await answer(nestedWebhook(MAX_BODY_DEPTH))
    expect([status, JSON.parse(text as string).status]).toEqual([200, 'stored'])
    expect(await inboxCount(database)).toBe(1)
    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    expect(metrics).toContain('popin_relay_rejected_total{reason="too_deep"} 4\n')
    expect(metrics).toContain('popin_relay_rejected_total{reason="json"} 5\n')
  })
})

describe('event time', () => {
  it('an unreadable timestamp is the time the webhook was received, and is logged once for each Popin webhook', async () => {
    running = await startTestRelay()
    const { post, fakes, log } = running
    const before = Date.now()
    expect((await post({ ...rated('pu-1'), timestamp: 'yesterday' })).status).toBe(200)
    expect((await post({ ...rated('pu-2'), timestamp: 'yesterday' })).status).toBe(200)
    expect((await post({ event: 'popin_made_up', user_id: 'pu-3', timestamp: 'soon' })).status).toBe(200)
    await expect.poll(() => fakes.messages('meta').length).toBe(2)
    for (const { event_time } of fakes.messages('meta')) expect(event_time).toBeGreaterThanOrEqual(Math.floor(before / 1000))
    // The logger says each key once (src/lib/logger.ts); a name anyone can make up shares one key.
    expect(log.once.mock.calls).toEqual([
      ['timestamp:popin_call_missed', 'warn', 'relay: popin_call_missed: timestamp "yesterday" not read; the time the webhook was received is used'],
      ['timestamp:popin_call_missed', 'warn', 'relay: popin_call_missed: timestamp "yesterday" not read; the time the webhook was received is used'],
      ['timestamp:an unknown webhook', 'warn', 'relay: an unknown webhook: timestamp "soon" not read; the time the webhook was received is used'],
    ])
  })

  it('a timestamp in the future is sent as the time the webhook was received', async () => {
    running = await startTestRelay()
    const { post, fakes } = running
    const before = Date.now()
    const response = await post({ ...rated(), timestamp: new Date(Date.now() + 3 * 3600 * 1000).toISOString() })
    const after = Date.now()
    expect(response.status).toBe(200)
    await expect.poll(() => fakes.received.length).toBe(3)
    const eventTime = fakes.received.find((r) => r.url.startsWith('/meta/'))!.body.data[0].event_time
    expect(eventTime).toBeGreaterThanOrEqual(Math.floor(before / 1000))
    expect(eventTime).toBeLessThanOrEqual(Math.floor(after / 1000))
    const ga4Ms = fakes.received.find((r) => r.url.startsWith('/ga4/'))!.body.timestamp_micros / 1000
    expect(ga4Ms).toBeGreaterThanOrEqual(before)
    expect(ga4Ms).toBeLessThanOrEqual(after)
    expect(Date.parse(fakes.received.find((r) => r.url.startsWith('/segment/'))!.body.timestamp)).toBe(ga4Ms)
  })
})

onEachEngine(() => {
  describe('the worker', () => {
    it('a failing claim does not stop it: logged once per message, later deliveries still go out', async () => {
      running = await startTestRelay()
      const { post, fakes, relay, log } = running
      // Rows to claim: none is handed to the worker as stored.
      const accept = relay.store.accept.bind(relay.store)
      vi.spyOn(relay.store, 'accept').mockImplementation((webhooks) => accept(webhooks))
      const claims = vi.spyOn(relay.store, 'claimDue')
      const locked = () => {
        throw new Error('database is locked')
      }
      claims.mockImplementationOnce(locked).mockImplementationOnce(locked)
      await post(rated())
      await expect.poll(() => fakes.received.length, { timeout: 3000 }).toBe(3)
      expect(claims.mock.results.slice(0, 2).map((r) => r.type)).toEqual(['throw', 'throw'])
      expect(log.error.mock.calls).toEqual([['relay: delivery loop failed, retrying: database is locked', new Error('database is locked')]])
      await post(rated('pu-43'))
      await expect.poll(() => fakes.received.length).toBe(6)
    })

    it('a failing settle is recorded with the next outcomes: the rows are done, and not sent again', async () => {
      running = await startTestRelay()
      const { post, fakes, relay, log } = running
      vi.spyOn(relay.store, 'settle').mockImplementationOnce(() => {
        throw new Error('disk I/O error')
      })
      await post(rated())
      await expect.poll(() => relay.store.counts(), { timeout: 3000 }).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { done: 1 } })
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(fakes.received.map((r) => r.status)).toEqual([200, 200, 200])
      expect(log.error.mock.calls.map((c) => c[0])).toEqual(['relay: delivery loop failed, retrying: disk I/O error'])
    })

    it('rows for a destination switched off since they were stored become dead letters with the reason', async () => {
      const fakes = await startFakeDestinations()
      others.push(fakes)
      const database = await testDatabase()
      // Segment fails and asks for a second: the relay is restarted without Segment meanwhile.
      fakes.answers.segment.push(...Array.from({ length: 5 }, () => ({ status: 500, headers: { 'retry-after': '1' } })))
      const first: Relay = await startRelay(relayConfig(database, fakes.endpoints), { env: SECRETS, log: quietLog() })
      others.push(first)
      const response = await fetch(`${first.url}/webhooks/popin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY },
        body: JSON.stringify(rated()),
      })
      expect(response.status).toBe(200)
      // Each destination on its own: wait for Segment's failed attempt as well as Meta and GA4.
      await expect.poll(() => fakes.received.filter((r) => r.url.startsWith('/segment/')).length).toBeGreaterThan(0)
      await expect.poll(() => first.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { pending: 1 } })
      await first.close()
      others.pop()
      const segmentRequests = fakes.received.filter((r) => r.url.startsWith('/segment/')).length
      expect(segmentRequests).toBeGreaterThan(0)

      const second: Relay = await startRelay(relayConfig(database, fakes.endpoints), { env: { ...SECRETS, POPIN_BRIDGE_SEGMENT_WRITE_KEY: undefined }, log: quietLog() })
      others.push(second)
      await expect.poll(async () => (await second.store.deadLetters()).map((d) => [d.destination, d.last_error]), { timeout: 3000 }).toEqual([
        ['segment', 'segment is not configured in this relay'],
      ])
      expect(fakes.received.filter((r) => r.url.startsWith('/segment/')).length).toBe(segmentRequests)
      expect(await (await fetch(`${second.url}/metrics`)).text()).toContain('popin_relay_dead_lettered_total{destination="segment"} 1\n')
    })
  })
})

describe('GET /metrics', () => {
  // One line of Prometheus' text format: a HELP or TYPE comment, or a sample.
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
  const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*"'
  const LINE = new RegExp(`^(?:# HELP (${NAME}) \\S.*|# TYPE (${NAME}) (?:counter|gauge)|(${NAME})(?:\\{${LABEL}(?:,${LABEL})*\\})? -?\\d+(?:\\.\\d+)?)$`)

  it('a fresh relay shows every counter at 0, each with HELP and TYPE, in valid text format', async () => {
    running = await startTestRelay()
    const response = await fetch(`${running.relay.url}/metrics`)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4')
    const text = await response.text()
    expect(text).toBe(
      [
        '# HELP popin_relay_received_total Webhooks accepted with a valid body: stored, or recognised as duplicates.',
        '# TYPE popin_relay_received_total counter',
        'popin_relay_received_total 0',
        '# HELP popin_relay_duplicates_total Webhooks already stored: acknowledged, not forwarded again.',
        '# TYPE popin_relay_duplicates_total counter',
        'popin_relay_duplicates_total 0',
        '# HELP popin_relay_held_total Webhooks stored whose answer waited for forwarding to catch up (backpressure on the sender).',
        '# TYPE popin_relay_held_total counter',
        'popin_relay_held_total 0',
        '# HELP popin_relay_rejected_total Webhooks refused, by reason.',
        '# TYPE popin_relay_rejected_total counter',
        ...['auth', 'json', 'no_event', 'too_deep', 'too_large'].map((reason) => `popin_relay_rejected_total{reason="${reason}"} 0`),
        '# HELP popin_relay_forwarded_total Deliveries the destination accepted.',
        '# TYPE popin_relay_forwarded_total counter',
        ...['facebookPixel', 'ga4', 'segment'].map((d) => `popin_relay_forwarded_total{destination="${d}"} 0`),
        '# HELP popin_relay_retried_total Failed deliveries scheduled for another attempt.',
        '# TYPE popin_relay_retried_total counter',
        ...['facebookPixel', 'ga4', 'segment'].map((d) => `popin_relay_retried_total{destination="${d}"} 0`),
        '# HELP popin_relay_dead_lettered_total Deliveries given up on: dead letters, which relay replay sends again.',
        '# TYPE popin_relay_dead_lettered_total counter',
        ...['facebookPixel', 'ga4', 'segment'].map((d) => `popin_relay_dead_lettered_total{destination="${d}"} 0`),
        '# HELP popin_relay_browser_events_total Browser events (one per occurrence and destination) posted to /e, by outcome: stored or duplicate.',
        '# TYPE popin_relay_browser_events_total counter',
        ...['duplicate', 'stored'].map((outcome) => `popin_relay_browser_events_total{outcome="${outcome}"} 0`),
        '# HELP popin_relay_browser_rejected_total Requests to /e refused, by reason.',
        '# TYPE popin_relay_browser_rejected_total counter',
        ...['bad_batch', 'json', 'origin', 'rate_limited', 'too_large'].map((reason) => `popin_relay_browser_rejected_total{reason="${reason}"} 0`),
        '# HELP popin_relay_database_up Whether the database gave the outbox gauges below for this scrape (0: it failed or said nothing within a second).',
        '# TYPE popin_relay_database_up gauge',
        'popin_relay_database_up 1',
        '# HELP popin_relay_outbox Outbox rows waiting to be sent (status pending, as popin_relay_backlog) or dead letters (status dead), by destination.',
        '# TYPE popin_relay_outbox gauge',
        ...['facebookPixel', 'ga4', 'segment'].flatMap((d) => [`popin_relay_outbox{destination="${d}",status="dead"} 0`, `popin_relay_outbox{destination="${d}",status="pending"} 0`]),
        '# HELP popin_relay_backlog Deliveries waiting to be sent, by destination.',
        '# TYPE popin_relay_backlog gauge',
        ...['facebookPixel', 'ga4', 'segment'].map((d) => `popin_relay_backlog{destination="${d}"} 0`),
        '# HELP popin_relay_backlog_oldest_seconds How long the oldest waiting delivery has waited, by destination.',
        '# TYPE popin_relay_backlog_oldest_seconds gauge',
        ...['facebookPixel', 'ga4', 'segment'].map((d) => `popin_relay_backlog_oldest_seconds{destination="${d}"} 0`),
        '',
      ].join('\n'),
    )
  })

  it('counts a destination it was not told about (rows stored before it was switched off)', () => {
    const metrics = createMetrics([])
    metrics.inc('popin_relay_dead_lettered_total', { destination: 'segment' })
    expect(metrics.render({})).toContain(
      '# HELP popin_relay_forwarded_total Deliveries the destination accepted.\n# TYPE popin_relay_forwarded_total counter\n# HELP popin_relay_retried_total',
    )
    expect(metrics.render({})).toContain('# TYPE popin_relay_dead_lettered_total counter\npopin_relay_dead_lettered_total{destination="segment"} 1\n')
  })

  it('stays valid once counting: every line parses, every sample follows its HELP and TYPE', async () => {
    running = await startTestRelay()
    const { post, fakes, relay } = running
    await post(rated())
    await post('{"event": ')
    await expect.poll(() => fakes.received.length).toBe(3)
    const text = await (await fetch(`${relay.url}/metrics`)).text()
    expect(text.endsWith('\n')).toBe(true)
    const described: string[] = []
    const typed: string[] = []
    for (const line of text.slice(0, -1).split('\n')) {
      const match = LINE.exec(line)
      expect(match, line).not.toBeNull()
      const [, help, type, sample] = match!
      if (help) described.push(help)
      if (type) typed.push(type)
      if (sample) expect([described.at(-1), typed.at(-1)], line).toEqual([sample, sample])
    }
    expect(new Set(typed).size).toBe(typed.length)
    expect(described).toEqual(typed)
    expect(text).toContain('popin_relay_received_total 1\n')
    expect(text).toContain('popin_relay_rejected_total{reason="json"} 1\n')
    expect(text).toContain('popin_relay_forwarded_total{destination="ga4"} 1\n')
  })
})
