// @vitest-environment node
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { clientId } from '../../adapters/ga4/measurement-protocol'
import { LAG_EPISODE_MS } from '../../src/relay/lag'
import type { Delivery } from '../../src/relay/store'
import { MAX_ROWS_HELD } from '../../src/relay/worker'
import { onEachEngine, queryDatabase, startTestRelay } from './support'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

/** A missed call (it reaches Meta, GA4 and Segment under the preset), at its own second. */
const missed = (user: string, product: string, at: Date) => ({ event: 'popin_call_missed', user_id: user, timestamp: at.toISOString(), properties: { product } })
const base = Math.floor(Date.now() / 1000) * 1000 - 600_000

/**
 * Posts the webhooks while the worker finds nothing due (none is handed to it as stored), then lets
 * it claim them all at once: what it sends together is then known exactly. Returns each webhook's
 * id (its key).
 */
async function postAll(relay: NonNullable<typeof running>, bodies: unknown[]): Promise<string[]> {
  const { store } = relay.relay
  const accept = store.accept.bind(store)
  const unleased = vi.spyOn(store, 'accept').mockImplementation((webhooks) => accept(webhooks))
  const claims = vi.spyOn(store, 'claimDue').mockResolvedValue([])
  const answers = await Promise.all(bodies.map(async (body) => (await (await relay.post(body)).json()) as { status: string; id: string }))
  expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 'stored'))
  unleased.mockRestore()
  claims.mockRestore()
  return answers.map((a) => a.id)
}

/** Every row the relay's claims return from now on. */
function claimsOf(relay: NonNullable<typeof running>['relay']): Delivery[] {
  const claimed: Delivery[] = []
  const claimDue = relay.store.claimDue.bind(relay.store)
  vi.spyOn(relay.store, 'claimDue').mockImplementation(async (...args) => {
    const due = await claimDue(...args)
    claimed.push(...due)
    return due
  })
  return claimed
}

onEachEngine((engine) => {
  describe('batched forwarding', () => {
    it(engine === 'sqlite' ? 'sends the rows of webhooks as they are stored, not claimed back, still merged' : 'claims the rows of webhooks as they are stored, and merges them', async () => {
      running = await startTestRelay()
      const { fakes, relay } = running
      const claimed = claimsOf(relay)
      // Three rounds of ten at once, after the worker's first claim (at start) found nothing.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const ids: string[] = []
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => running!.post(missed(`pu-${round}-${i}`, `Sofa ${i}`, new Date(base + i * 1000))).then((r) => r.json())))
        ids.push(...answers.map((a) => (a as { id: string }).id))
      }
      await expect.poll(() => [fakes.messages('meta').length, fakes.messages('ga4').length, fakes.messages('segment').length], { timeout: 5000 }).toEqual([30, 30, 30])
      const rows = ids.flatMap((id) => ['facebookPixel', 'ga4', 'segment'].map((d) => `${id} ${d}`)).sort()
      const claimedRows = claimed.map((d) => `${d.key} ${d.destination}`).sort()
      if (engine === 'postgres') expect(claimedRows).toEqual(rows)
      else {
        // A lane that is behind (a busy machine) leaves its rows to a claim: most go as stored.
        expect(claimedRows.length).toBeLessThan(rows.length / 3)
        expect(claimedRows.every((row) => rows.includes(row))).toBe(true)
      }
      // Each webhook's events once, Meta's and Segment's in fewer requests than webhooks.
      expect(new Set(fakes.messages('meta').map((m) => m.event_id)).size).toBe(30)
      expect(fakes.received.filter((r) => r.url.startsWith('/meta/')).length).toBeLessThan(30)
      expect(fakes.received.filter((r) => r.url.startsWith('/segment/')).length).toBeLessThan(30)
    })

    it('50 webhooks reach Meta, Segment and GA4 in few requests, every event once, exactly as one would be sent alone', async () => {
      running = await startTestRelay({ testEventCode: 'TEST123' })
      const { fakes } = running
      const users = Array.from({ length: 50 }, (_, i) => `pu-${i % 10}`)
      const times = users.map((_, i) => new Date(base + i * 1000))
      const ids = await postAll(running, users.map((user, i) => missed(user, `Sofa ${i}`, times[i]!)))
      const eventIds = ids.map((id) => `popin_call_missed.${id.slice(8, 32)}`)
      await expect.poll(() => [fakes.messages('meta').length, fakes.messages('ga4').length, fakes.messages('segment').length], { timeout: 5000 }).toEqual([50, 50, 50])

      // Meta: one request to the pixel, test_event_code kept, each event as it would be alone.
      const meta = fakes.received.filter((r) => r.url.startsWith('/meta/'))
      expect(meta.length).toBeLessThan(50)
      expect(meta.map((r) => r.url)).toEqual(meta.map(() => '/meta/v21.0/1234567890/events?access_token=meta-token'))
      for (const r of meta) expect(Object.keys(r.body).sort()).toEqual(['data', 'test_event_code'])
      expect(meta.map((r) => r.body.test_event_code)).toEqual(meta.map(() => 'TEST123'))
      const metaEvents = fakes.messages('meta').sort((a, b) => a.event_time - b.event_time)
      expect(metaEvents).toEqual(
        users.map((user, i) => ({
          event_name: 'PopinCallMissed',
          event_time: times[i]!.getTime() / 1000,
          event_id: eventIds[i],
          action_source: 'chat',
          user_data: { external_id: sha(user) },
          custom_data: { product: `Sofa ${i}` },
        })),
      )

      // Segment: POST /v1/batch, each message with its own type, messageId and timestamp.
      const segment = fakes.received.filter((r) => r.url.startsWith('/segment/'))
      expect(segment.length).toBeLessThan(50)
      expect(segment.map((r) => r.url)).toEqual(segment.map(() => '/segment/v1/batch'))
      const messages = fakes.messages('segment')
      expect(messages.map((m) => m.messageId).sort()).toEqual(eventIds.map((id) => `${id}.0`).sort())
      for (const m of messages) {
        const i = eventIds.indexOf(m.messageId.slice(0, -2))
        expect(m).toMatchObject({ type: 'track', event: 'Call Missed', anonymousId: `popin-${users[i]}`, timestamp: times[i]!.toISOString(), properties: { product: `Sofa ${i}` } })
      }

      // GA4: one request per client_id, each event with its own webhook's time.
      const ga4 = fakes.received.filter((r) => r.url.startsWith('/ga4/'))
      expect(ga4.length).toBe(10)
      for (const r of ga4) {
        expect(r.url).toBe('/ga4/mp/collect?measurement_id=G-TEST1234&api_secret=ga4-secret')
        expect(Object.keys(r.body).sort()).toEqual(['client_id', 'events'])
        expect(r.body.events).toHaveLength(5)
      }
      expect(ga4.map((r) => r.body.client_id).sort()).toEqual([...new Set(users)].map((user) => clientId(user, sha)).sort())
      const gaEvents = fakes.messages('ga4').sort((a, b) => a.timestamp_micros - b.timestamp_micros)
      expect(gaEvents).toEqual(users.map((user, i) => ({ client_id: clientId(user, sha), name: 'popin_call_missed', params: {}, timestamp_micros: times[i]!.getTime() * 1000 })))
      await expect.poll(() => running!.relay.store.counts()).toEqual({ facebookPixel: { done: 50 }, ga4: { done: 50 }, segment: { done: 50 } })
    })

    it('GA4 takes at most 25 events per request for one client', async () => {
      running = await startTestRelay()
      const { fakes } = running
      await postAll(running, Array.from({ length: 60 }, (_, i) => missed('pu-1', `Sofa ${i}`, new Date(base + i * 1000))))
      await expect.poll(() => fakes.messages('ga4').length, { timeout: 5000 }).toBe(60)
      expect(fakes.received.filter((r) => r.url.startsWith('/ga4/')).map((r) => r.body.events.length).sort()).toEqual([10, 25, 25])
      expect(new Set(fakes.received.filter((r) => r.url.startsWith('/ga4/')).map((r) => r.body.client_id))).toEqual(new Set([clientId('pu-1', sha)]))
    })

    it('a bad event inside a Meta batch: the batch is split, the good events are delivered, the bad one is the only dead letter, with the same ids throughout', async () => {
      running = await startTestRelay()
      const { fakes, relay } = running
      fakes.respond.meta = ({ body }) =>
        body.data.some((event: any) => event.custom_data?.product === 'bad') ? { status: 400, body: JSON.stringify({ error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } }) } : undefined
      const products = Array.from({ length: 20 }, (_, i) => (i === 13 ? 'bad' : `Sofa ${i}`))
      const ids = await postAll(running, products.map((product, i) => missed(`pu-${i}`, product, new Date(base + i * 1000))))
      const eventIds = ids.map((id) => `popin_call_missed.${id.slice(8, 32)}`)
      await expect.poll(() => relay.store.counts(), { timeout: 5000 }).toEqual({ facebookPixel: { done: 19, dead: 1 }, ga4: { done: 20 }, segment: { done: 20 } })

      expect(fakes.messages('meta').map((event) => event.event_id).sort()).toEqual(eventIds.filter((_, i) => i !== 13).sort())
      const dead = await relay.store.deadLetters()
      expect(dead.map((d) => [d.destination, d.key, d.attempts, d.last_error])).toEqual([['facebookPixel', ids[13], 1, expect.stringMatching(/^HTTP 400: .*Invalid parameter/)]])
      // Every request, refused or not, carried the same events with the same ids and bodies.
      const meta = fakes.received.filter((r) => r.url.startsWith('/meta/'))
      expect(meta.length).toBeGreaterThan(2)
      const seen = new Map<string, string>()
      for (const r of meta) {
        expect(r.status).toBe(r.body.data.some((event: any) => event.custom_data.product === 'bad') ? 400 : 200)
        for (const event of r.body.data) {
          expect(eventIds).toContain(event.event_id)
          expect(seen.get(event.event_id) ?? JSON.stringify(event)).toBe(JSON.stringify(event))
          seen.set(event.event_id, JSON.stringify(event))
        }
      }
      expect(seen.size).toBe(20)
      // The bad event went alone, last: refused, never retried.
      expect(meta.filter((r) => r.body.data.length === 1 && r.body.data[0].custom_data.product === 'bad').map((r) => r.status)).toEqual([400])
    })

    it('a retryable failure sends the whole batch again, the same messages with the same ids', async () => {
      running = await startTestRelay()
      const { fakes, relay } = running
      fakes.answers.segment.push({ status: 503 })
      await postAll(running, Array.from({ length: 5 }, (_, i) => missed(`pu-${i}`, `Sofa ${i}`, new Date(base + i * 1000))))
      await expect.poll(() => relay.store.counts(), { timeout: 5000 }).toEqual({ facebookPixel: { done: 5 }, ga4: { done: 5 }, segment: { done: 5 } })
      const segment = fakes.received.filter((r) => r.url.startsWith('/segment/'))
      expect(segment[0]!.status).toBe(503)
      expect(fakes.messages('segment', [segment[0]!]).map((m) => m.messageId).sort()).toEqual(fakes.messages('segment').map((m) => m.messageId).sort())
    })
  })
})

describe('per-destination limits', () => {
  /** Answers GA4 after `delayMs`, noting how many of its requests were in flight at most and when each arrived. */
  function watchGa4(fakes: NonNullable<typeof running>['fakes'], delayMs: number) {
    const seen = { most: 0, arrivals: [] as number[] }
    let inFlight = 0
    fakes.respond.ga4 = () => {
      seen.arrivals.push(Date.now())
      seen.most = Math.max(seen.most, ++inFlight)
      setTimeout(() => inFlight--, delayMs)
      return { status: 200, delayMs }
    }
    return seen
  }
  /** `count` GA4 deliveries due now, one visitor each, stored straight into the relay's outbox. */
  async function storeGa4Backlog({ relay, fakes }: NonNullable<typeof running>, count: number, prefix: string) {
    const now = Date.now()
    const request = (i: number) => ({ url: `${fakes.endpoints.ga4}/mp/collect?measurement_id=G-TEST1234`, headers: { 'content-type': 'application/json' }, body: { client_id: `${i}.1`, events: [{ name: 'popin_call_missed', params: {} }] } })
    await relay.store.accept(Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, event: 'popin_call_missed', body: '{}', receivedAt: now, entries: [{ destination: 'ga4', seq: 0, request: request(i), eventTime: now }] })))
  }
  /** Webhooks whose answer was held, as GET /metrics counts them. */
  const heldTotal = async ({ relay }: NonNullable<typeof running>) => Number(/^popin_relay_held_total (\d+)$/m.exec(await (await fetch(`${relay.url}/metrics`)).text())?.[1])
  const users = (n: number) => Array.from({ length: n }, (_, i) => missed(`pu-${i}`, `Sofa ${i}`, new Date(base + i * 1000)))

  it('keeps at most relay.limits.<destination>.concurrency requests in flight to it', async () => {
    running = await startTestRelay({ limits: { ga4: { concurrency: 2 } } })
    // Each GA4 client is its own request: 8 users, 8 requests, each answered after 150 ms.
    const ga4 = watchGa4(running.fakes, 150)
    await postAll(running, users(8))
    await expect.poll(() => running!.fakes.messages('ga4').length, { timeout: 5000 }).toBe(8)
    expect(ga4.most).toBe(2)
  })

  it('sends GA4, one visitor per request, 512 requests at a time by default', async () => {
    running = await startTestRelay({ requestTimeoutMs: 5000 })
    // Answered after 1.5 s: long enough for 512 new connections to open, also on a busy machine.
    const ga4 = watchGa4(running.fakes, 1500)
    await storeGa4Backlog(running, 600, 'many')
    await expect.poll(() => running!.fakes.messages('ga4').length, { timeout: 15_000 }).toBe(600)
    expect(ga4.most).toBe(512)
  }, 20_000)

  it('holds at most MAX_ROWS_HELD rows of a destination claimed: a backlog beyond waits in the database', async () => {
    running = await startTestRelay({ requestTimeoutMs: 5000 })
    const { relay } = running
    watchGa4(running.fakes, 1500)
    const claimed = claimsOf(relay)
    // 5,000 GA4 deliveries due at once, one visitor each; the first 512 requests take 1.5 s.
    await storeGa4Backlog(running, 5000, 'held')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(claimed.filter((d) => d.destination === 'ga4')).toHaveLength(MAX_ROWS_HELD)
    // The rest go at once: everything reaches GA4, each once.
    watchGa4(running.fakes, 0)
    await expect.poll(() => running!.fakes.messages('ga4').length, { timeout: 15_000 }).toBe(5000)
    expect(new Set(running.fakes.messages('ga4').map((m) => m.client_id)).size).toBe(5000)
  }, 30_000)

  it('merges what waits at a request\'s turn: behind a slow vendor, webhooks claimed one by one share requests', async () => {
    running = await startTestRelay({ limits: { facebookPixel: { concurrency: 1 } } })
    const { fakes } = running
    fakes.respond.meta = () => ({ status: 200, delayMs: 400 })
    // Ten webhooks 60 ms apart: each reaches the worker on its own (handed over as stored, or
    // claimed: 20 ms apart at most either way), while the one request allowed in flight takes 400 ms.
    for (const [i, webhook] of users(10).entries()) {
      expect((await running.post(webhook)).status).toBe(200)
      if (i < 9) await new Promise((resolve) => setTimeout(resolve, 60))
    }
    await expect.poll(() => fakes.messages('meta').length, { timeout: 5000 }).toBe(10)
    const sizes = fakes.received.filter((r) => r.url.startsWith('/meta/')).map((r) => r.body.data.length)
    // The first alone; then, at each turn, all that came meanwhile (sent as claimed: ten requests of one).
    expect(sizes.length).toBeLessThanOrEqual(3)
    expect(sizes[0]).toBe(1)
    expect(sizes.reduce((a, b) => a + b)).toBe(10)
    expect(new Set(fakes.messages('meta').map((event) => event.event_id)).size).toBe(10)
  })

  it('a slow destination does not hold back the others: each destination claims and sends on its own', async () => {
    running = await startTestRelay({ requestTimeoutMs: 5000 })
    const { fakes } = running
    fakes.respond.ga4 = () => ({ status: 200, delayMs: 2000 })
    expect((await running.post(missed('pu-1', 'Sofa 1', new Date(base)))).status).toBe(200)
    await expect.poll(() => fakes.messages('meta').length, { timeout: 1000 }).toBe(1)
    expect((await running.post(missed('pu-2', 'Sofa 2', new Date(base + 1000)))).status).toBe(200)
    // GA4 is still answering the first webhook; Meta and Segment have the second already.
    await expect.poll(() => [fakes.messages('meta').length, fakes.messages('segment').length], { timeout: 1000 }).toEqual([2, 2])
    expect(fakes.messages('ga4')).toEqual([])
    await expect.poll(() => fakes.messages('ga4').length, { timeout: 4000 }).toBe(2)
  }, 10_000)

  it('a paced destination with a backlog claims only what its pace can start: the backlog waits in the database', async () => {
    running = await startTestRelay({ limits: { ga4: { requestsPerSecond: 20 } } })
    const { relay, fakes } = running
    watchGa4(fakes, 0)
    const claimed = claimsOf(relay)
    // 2,000 GA4 deliveries due at once, one visitor each: 100 seconds of work at 20 a second.
    await storeGa4Backlog(running, 2000, 'backlog')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    // About 30 sent; at most a claim's worth a second looked at, not a claim every 20 ms.
    expect(fakes.messages('ga4').length).toBeGreaterThanOrEqual(20)
    expect(claimed.filter((d) => d.destination === 'ga4').length).toBeLessThanOrEqual(3 * 256)
    // Its backlog waits by design: webhooks are not held for it.
    const started = Date.now()
    expect((await running.post(missed('pu-late', 'Sofa', new Date(base)))).status).toBe(200)
    expect(Date.now() - started).toBeLessThan(500)
    expect(await heldTotal(running)).toBe(0)
  })

  it('holds a new webhook\'s 200 while forwarding lags behind (backpressure): a second at most, for a lag of 3 s at most, never a duplicate', async () => {
    running = await startTestRelay({ limits: { ga4: { concurrency: 1 } } })
    const { fakes } = running
    // One request at a time, 10 ms each: 500 rows due at once take more than 5 s, and each claim
    // (256 rows) leaves rows due until the last.
    watchGa4(fakes, 10)
    await storeGa4Backlog(running, 500, 'lag')
    await expect.poll(() => fakes.messages('ga4').length, { timeout: 2000, interval: 10 }).toBeGreaterThan(0)
    const lagBegan = Date.now()
    const timed = async (body: unknown) => {
      const started = Date.now()
      const response = await running!.post(body)
      return { status: response.status, body: await response.json(), ms: Date.now() - started }
    }
    const webhook = missed('pu-held', 'Sofa', new Date(base))
    const held = await timed(webhook)
    expect([held.status, held.body.status]).toEqual([200, 'stored'])
    expect(held.ms).toBeGreaterThanOrEqual(950)
    expect(held.ms).toBeLessThan(1600)
    // The same webhook again adds nothing to forward: answered at once.
    const again = await timed(webhook)
    expect([again.status, again.body.status]).toEqual([200, 'duplicate'])
    expect(again.ms).toBeLessThan(500)
    // Past LAG_EPISODE_MS the backlog is the database's to hold: answered at once, rows still due.
    await new Promise((resolve) => setTimeout(resolve, lagBegan + LAG_EPISODE_MS + 300 - Date.now()))
    expect(fakes.messages('ga4').length).toBeLessThan(450)
    const late = await timed(missed('pu-late', 'Sofa', new Date(base)))
    expect([late.status, late.body.status]).toEqual([200, 'stored'])
    expect(late.ms).toBeLessThan(500)
    // Everything reaches GA4: the 500 and the two webhooks stored.
    await expect.poll(() => fakes.messages('ga4').length, { timeout: 20_000, interval: 100 }).toBe(502)
    expect(await heldTotal(running)).toBe(1)
  }, 30_000)

  it('a relay that closes answers the webhooks it holds at once', async () => {
    running = await startTestRelay({ limits: { ga4: { concurrency: 1 } } })
    const { relay, fakes } = running
    watchGa4(fakes, 10)
    await storeGa4Backlog(running, 300, 'closing')
    await expect.poll(() => fakes.messages('ga4').length, { timeout: 2000, interval: 10 }).toBeGreaterThan(0)
    const answered = running.post(missed('pu-closing', 'Sofa', new Date(base))).then(async (response) => ({ at: Date.now(), status: response.status, body: await response.json() }))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const closing = Date.now()
    const closed = relay.close()
    const answer = await answered
    expect([answer.status, answer.body.status]).toEqual([200, 'stored'])
    expect(answer.at - closing).toBeLessThan(300)
    await closed
    await running.fakes.close()
    running = undefined
  }, 30_000)

  it('does not hold webhooks for a destination that is down: its backlog waits in the database', async () => {
    running = await startTestRelay({ limits: { ga4: { concurrency: 1 } } })
    const { fakes } = running
    fakes.respond.ga4 = () => ({ status: 503 })
    await storeGa4Backlog(running, 300, 'down')
    await expect.poll(() => fakes.received.filter((r) => r.url.startsWith('/ga4/')).length, { timeout: 2000 }).toBeGreaterThan(2)
    const started = Date.now()
    const response = await running.post(missed('pu-down', 'Sofa', new Date(base)))
    expect(response.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(500)
    expect(await heldTotal(running)).toBe(0)
  })

  it('a paced destination merges what waits at each turn, its starts still a pace apart', async () => {
    running = await startTestRelay({ requestTimeoutMs: 5000, limits: { ga4: { concurrency: 1, requestsPerSecond: 2 } } })
    // One request at a time, each answered after 1 s; starts 500 ms apart at least.
    const ga4 = watchGa4(running.fakes, 1000)
    const started = Date.now()
    const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, started + ms - Date.now()))
    // One visitor, so one batch key. A goes at once. B (claimed at the pace's next start, 500 ms)
    // and C (claimed on its own at 700 ms) wait for A's answer, then go together. E and F each come
    // while the request before them is in flight, and each goes once that one is answered.
    for (const [i, ms] of [0, 100, 700, 1200, 2200].entries()) {
      await at(ms)
      expect((await running.post(missed('pu-7', `Sofa ${i}`, new Date(base + i * 1000)))).status).toBe(200)
    }
    await expect.poll(() => running!.fakes.messages('ga4').length, { timeout: 8000 }).toBe(5)
    const requests = running.fakes.received.filter((r) => r.url.startsWith('/ga4/'))
    expect(requests.map((r) => r.body.events.length)).toEqual([1, 2, 1, 1])
    const after = ga4.arrivals.map((arrival) => arrival - ga4.arrivals[0]!)
    for (const [i, ms] of [1000, 2000, 3000].entries()) {
      expect(after[i + 1]).toBeGreaterThanOrEqual(ms - 20)
      expect(after[i + 1]).toBeLessThan(ms + 400)
    }
  }, 15_000)

  it('a paced destination whose vendor is slower than its pace keeps sending: rows past half their lease go back without taking a start', async () => {
    // One request at a time, answered after 1 s: one a second, under the pace of two.
    running = await startTestRelay({ leaseMs: 4000, requestTimeoutMs: 2000, limits: { ga4: { concurrency: 1, requestsPerSecond: 2 } } })
    watchGa4(running.fakes, 1000)
    await storeGa4Backlog(running, 60, 'slow')
    await new Promise((resolve) => setTimeout(resolve, 8000))
    // About one a second, all along (none once every row waited past half its lease, 2 s, and each
    // row going back took a start).
    const sent = running.fakes.messages('ga4').length
    expect(sent).toBeGreaterThanOrEqual(6)
    expect(sent).toBeLessThanOrEqual(9)
  }, 20_000)

  it('paces requests to requestsPerSecond; rows past the next second wait in the database, their attempts not counted', async () => {
    running = await startTestRelay({ limits: { ga4: { requestsPerSecond: 4 } } })
    const ga4 = watchGa4(running.fakes, 0)
    await postAll(running, users(8))
    await expect.poll(() => running!.fakes.messages('ga4').length, { timeout: 8000 }).toBe(8)
    const gaps = ga4.arrivals.slice(1).map((at, i) => at - ga4.arrivals[i]!)
    // Started 250 ms apart; they arrive with some jitter of the network (unpaced: a few ms apart).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(200)
    expect(ga4.arrivals.at(-1)! - ga4.arrivals[0]!).toBeGreaterThanOrEqual(7 * 250 - 30)
    // Outcomes are recorded shortly after the answers (worker.ts, SETTLE_SPACING_MS).
    const rows = async () => (await queryDatabase<{ attempts: number | string; status: string }>(running!.database, "SELECT attempts, status FROM outbox WHERE destination = 'ga4'")).map((r) => [Number(r.attempts), r.status])
    await expect.poll(rows, { timeout: 2000 }).toEqual(Array.from({ length: 8 }, () => [1, 'done']))
  })
})
