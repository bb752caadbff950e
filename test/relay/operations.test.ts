// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import { WEBHOOKS } from '../fixtures/webhooks'
import { inboxCount, onEachEngine, queryDatabase, recentTimestamp, startTestRelay } from './support'

let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

// A missed call reaches all three destinations under the preset.
const missed = (product = 'Blue Sofa') => ({ ...WEBHOOKS.popin_call_missed, timestamp: recentTimestamp().text, properties: { product } })
const DAY = 86_400_000

onEachEngine((engine) => {
  describe('retention', () => {
    it('purges delivered rows and idempotency keys past relay.retentionDays, keeps dead letters and what is younger', async () => {
      running = await startTestRelay({ maxAttempts: 1 })
      const { relay, post, fakes, database } = running
      fakes.answers.segment.push({ status: 400, body: '{"error":"bad"}' })
      expect((await post(missed('old'))).status).toBe(200)
      await expect.poll(async () => relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { dead: 1 } })
      expect((await post(missed('young'))).status).toBe(200)
      await expect.poll(async () => (await relay.store.counts()).ga4?.done).toBe(2)
      // Make the first webhook and its rows eight days old.
      const eightDaysAgo = Date.now() - 8 * DAY
      await queryDatabase(database, `UPDATE inbox SET received_at = ${eightDaysAgo} WHERE body LIKE '%"old"%'`)
      // In the SQLite file each row also keeps when its webhook was received (its rows are found by
      // it); a settled row's next_at is when it was settled.
      const received = engine === 'sqlite' ? `, received_at = ${eightDaysAgo}` : ''
      await queryDatabase(database, `UPDATE outbox SET updated_at = ${eightDaysAgo}, next_at = ${eightDaysAgo}${received} WHERE key IN (SELECT key FROM inbox WHERE body LIKE '%"old"%')`)
      expect(await relay.store.purge(Date.now() - 7 * DAY)).toEqual({ deliveries: 2, webhooks: 0 })
      // The dead letter stays, so its webhook's key does too; the young webhook is untouched.
      expect(await relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { dead: 1, done: 1 } })
      expect(await inboxCount(database)).toBe(2)
      await queryDatabase(database, `DELETE FROM outbox WHERE status = 'dead'`)
      expect(await relay.store.purge(Date.now() - 7 * DAY)).toEqual({ deliveries: 0, webhooks: 1 })
      expect(await inboxCount(database)).toBe(1)
      // Within the window a webhook delivered again is still a duplicate.
      expect(await (await post(missed('young'))).json()).toMatchObject({ status: 'duplicate' })
    })
  })

  describe('a database that fails to store', () => {
    it('answers 503 with Retry-After (the sender sends it again), logs one line for the failure, and stores again once it can', async () => {
      running = await startTestRelay({ allowedOrigins: ['https://shop.example'] })
      const { relay, post, log, fakes } = running
      const accept = relay.store.accept
      relay.store.accept = () => Promise.reject(new Error('connection terminated unexpectedly'))
      for (const product of ['a', 'b']) {
        const refused = await post(missed(product))
        expect([refused.status, refused.headers.get('retry-after'), await refused.json()]).toEqual([503, '5', { error: 'could not store it; send it again' }])
      }
      const event = { id: 'popin_call_end.1.0', event: 'popin_call_end', at: Date.now(), calls: { ga4: [{ call: 'event', name: 'popin_call_end', params: {} }] } }
      const page = await fetch(`${relay.url}/e`, { method: 'POST', headers: { origin: 'https://shop.example' }, body: JSON.stringify({ events: [event] }) })
      expect([page.status, page.headers.get('access-control-allow-origin'), await page.json()]).toEqual([503, 'https://shop.example', { error: 'could not store it; send it again' }])
      expect(log.error.mock.calls).toEqual([['relay: POST /webhooks/popin: could not store: connection terminated unexpectedly']])
      relay.store.accept = accept
      expect((await post(missed('c'))).status).toBe(200)
      await expect.poll(() => fakes.messages('meta').map((m) => m.custom_data.product)).toEqual(['c'])
      // Failing again after a webhook was stored: logged again.
      relay.store.accept = () => Promise.reject(new Error('connection terminated unexpectedly'))
      expect((await post(missed('d'))).status).toBe(503)
      relay.store.accept = accept
      expect(log.error.mock.calls.length).toBe(2)
    })
  })

  describe('/readyz and the backlog', () => {
    it('is ready with nothing waiting, and shows each destination at 0 in /metrics', async () => {
      running = await startTestRelay()
      const { relay } = running
      const response = await fetch(`${relay.url}/readyz`)
      expect([response.status, await response.json()]).toEqual([200, { status: 'ready', backlog: {} }])
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      for (const destination of ['facebookPixel', 'ga4', 'segment']) {
        expect(metrics).toContain(`popin_relay_backlog{destination="${destination}"} 0\n`)
        expect(metrics).toContain(`popin_relay_backlog_oldest_seconds{destination="${destination}"} 0\n`)
      }
    })

    it('answers 503 once a delivery has waited longer than relay.readyBacklogAgeMs, naming the destination', async () => {
      running = await startTestRelay({ readyBacklogAgeMs: 1000 })
      const { relay, post, fakes } = running
      // GA4 asks for an hour: the delivery waits.
      fakes.answers.ga4.push({ status: 503, headers: { 'retry-after': '3600' } })
      expect((await post(missed())).status).toBe(200)
      await expect.poll(() => fakes.received.filter((r) => r.url.startsWith('/ga4/')).length).toBe(1)
      const early = await (await fetch(`${relay.url}/readyz`)).json()
      expect(early).toMatchObject({ status: 'ready', backlog: { ga4: { pending: 1 } } })
      await new Promise((resolve) => setTimeout(resolve, 1200))
      const late = await fetch(`${relay.url}/readyz`)
      expect([late.status, await late.json()]).toEqual([503, { status: 'backlogged', late: ['ga4'], backlog: { ga4: { pending: 1, oldestSeconds: expect.any(Number) } } }])
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      expect(metrics).toContain('popin_relay_backlog{destination="ga4"} 1\n')
      expect(Number(/popin_relay_backlog_oldest_seconds\{destination="ga4"\} ([\d.]+)/.exec(metrics)?.[1])).toBeGreaterThan(1)
    })

    it('answers 503 when the database does not; /healthz still says the process is alive; the reason goes to the log only', async () => {
      running = await startTestRelay()
      const { relay, log } = running
      const backlog = relay.store.backlog
      // What PostgreSQL says names its host, user and database: not for the webhook port.
      const refused = 'password authentication failed for user "popin" at db-7.internal.example:5432'
      relay.store.backlog = () => Promise.reject(new Error(refused))
      const response = await fetch(`${relay.url}/readyz`)
      expect([response.status, await response.json()]).toEqual([503, { status: 'database unreachable', error: 'the database failed (the reason is in the relay log)' }])
      const health = await fetch(`${relay.url}/healthz`)
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok', outbox: null, database: 'the database failed (the reason is in the relay log)' }])
      // The counters still scrape, the outbox's gauges are left out rather than shown as 0.
      const metrics = await (await fetch(`${relay.url}/metrics`)).text()
      expect(metrics).toContain('\npopin_relay_received_total 0\n')
      expect(metrics).toMatch(/\npopin_relay_database_up 0\n$/)
      expect(metrics).not.toContain('popin_relay_outbox')
      expect(metrics).not.toContain(refused)
      // Asked again: no new line. One line for each asker's failure, not one a probe.
      expect((await fetch(`${relay.url}/readyz`)).status).toBe(503)
      const logged = () => log.error.mock.calls.map(([line]) => line)
      expect(logged()).toEqual(['/readyz', '/healthz', '/metrics'].map((asker) => `relay: ${asker}: the database failed: ${refused}`))
      // A database that does not answer at all: the probe still gets its 200, within a second.
      relay.store.backlog = () => new Promise(() => undefined)
      const asked = Date.now()
      const silent = await fetch(`${relay.url}/healthz`)
      expect([silent.status, await silent.json()]).toEqual([200, { status: 'ok', outbox: null, database: 'no answer within 1000 ms' }])
      expect(Date.now() - asked).toBeLessThan(2000)
      const stalled = await fetch(`${relay.url}/readyz`)
      expect([stalled.status, await stalled.json()]).toEqual([503, { status: 'database unreachable', error: 'no answer within 1000 ms' }])
      expect(await (await fetch(`${relay.url}/metrics`)).text()).toContain('popin_relay_database_up 0\n')
      expect(logged().slice(3)).toEqual(['/healthz', '/readyz', '/metrics'].map((asker) => `relay: ${asker}: the database failed: no answer within 1000 ms`))
      relay.store.backlog = backlog
      expect(await (await fetch(`${relay.url}/healthz`)).json()).toEqual({ status: 'ok', outbox: {} })
      expect(await (await fetch(`${relay.url}/readyz`)).json()).toEqual({ status: 'ready', backlog: {} })
      // Failing again after an answer: logged again.
      relay.store.backlog = () => Promise.reject(new Error(refused))
      expect((await fetch(`${relay.url}/readyz`)).status).toBe(503)
      relay.store.backlog = backlog
      expect(await (await fetch(`${relay.url}/metrics`)).text()).toContain('popin_relay_database_up 1\n')
      expect(logged().slice(6)).toEqual([`relay: /readyz: the database failed: ${refused}`])
    })
  })
})
