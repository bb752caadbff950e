// @vitest-environment node
// Several relays on one PostgreSQL database: what one instance alone cannot show.
import pg from 'pg'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startRelay, type Relay } from '../../src/relay/relay'
import { openStore, type Store } from '../../src/relay/store'
import { DEAD_COUNTS_QUERY, MIGRATIONS, PURGE_CHUNK } from '../../src/relay/store-postgres'
import { startFakeDestinations, type FakeDestinations } from '../support/fake-destinations'
import { startFreezableProxy } from '../support/freezable-proxy'
import { pgBouncerAvailable, startPgBouncer } from '../support/pgbouncer'
import { freshPostgresDatabase, postgresAvailable, startPostgres } from '../support/postgres'
import { queryDatabase, quietLog, recentTimestamp, relayConfig, SECRETS, tempDatabase } from './support'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const each of open.splice(0).reverse()) await each.close()
})

// A missed call reaches all three destinations under the preset.
const missed = (user: string) => ({ event: 'popin_call_missed', user_id: user, timestamp: recentTimestamp().text, properties: { product: `Sofa ${user}` } })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** How the relays reach the database: directly, or through PgBouncer (set by each suite). */
let route = (url: string) => url

async function relayOn(database: string, fakes: FakeDestinations, env: Record<string, string> = {}, relayOptions: Record<string, unknown> = {}): Promise<Relay> {
  const relay = await startRelay(relayConfig(database.startsWith('postgres') ? route(database) : database, fakes.endpoints, relayOptions), { env: { ...SECRETS, ...env }, log: quietLog() })
  open.push(relay)
  return relay
}

async function fakeDestinations() {
  const fakes = await startFakeDestinations()
  open.push(fakes)
  return fakes
}

const post = (relay: Relay, body: unknown) =>
  fetch(`${relay.url}/webhooks/popin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY },
    body: JSON.stringify(body),
  })

/** Each destination's deliveries, by the webhook's user. */
// Events, not requests: the relay batches them per destination.
const deliveredUsers = (fakes: FakeDestinations) => ({
  meta: fakes.messages('meta').map((event) => event.custom_data.product.slice(5)).sort(),
  ga4: fakes.messages('ga4').length,
  segment: fakes.messages('segment').map((message) => message.properties.popin_user_id).sort(),
})

/** Events sent to any destination, answered or not. */
const sentEvents = (fakes: FakeDestinations) =>
  (['meta', 'ga4', 'segment'] as const).reduce((n, prefix) => n + fakes.messages(prefix, fakes.received.filter((r) => r.url.startsWith(`/${prefix}/`))).length, 0)

const routes: [string, () => Promise<(url: string) => string>][] = [
  ['directly', async () => (url) => url],
  // Polling, no session state, transaction-scoped locks: it must work behind transaction pooling.
  ...(postgresAvailable() && pgBouncerAvailable() ? [['through PgBouncer in transaction mode', async () => startPgBouncer((await startPostgres()).port)] as [string, () => Promise<(url: string) => string>]] : []),
]

describe.skipIf(!postgresAvailable()).each(routes)('relays on one PostgreSQL database, %s', (how, through) => {
  beforeAll(async () => {
    await startPostgres()
    route = await through()
  }, 20_000)

  it('run the migrations once when they start together', async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    const relays = await Promise.all([relayOn(database, fakes), relayOn(database, fakes), relayOn(database, fakes)])
    expect(relays.map((relay) => relay.url)).toEqual([expect.any(String), expect.any(String), expect.any(String)])
    const versions = await queryDatabase<{ version: number; n: number }>(database, 'SELECT version, COUNT(*)::int AS n FROM popin_bridge_migrations GROUP BY version ORDER BY version')
    expect(versions).toEqual(MIGRATIONS.map((_, i) => ({ version: i + 1, n: 1 })))
    // A later start finds nothing to do.
    await relayOn(database, fakes)
    expect(await queryDatabase(database, 'SELECT version FROM popin_bridge_migrations')).toHaveLength(MIGRATIONS.length)
  })

  it('store the same webhook posted to two of them at the same moment once, and forward it once', async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    const [a, b] = await Promise.all([relayOn(database, fakes), relayOn(database, fakes)])
    const users = Array.from({ length: 20 }, (_, i) => `pu-${i}`)
    const bodies = users.map(missed)
    const answer = async (response: Promise<Response>) => {
      const { status } = await response
      return { status, stored: (await (await response).json()).status as string }
    }
    const answers = await Promise.all(bodies.map((body) => Promise.all([answer(post(a!, body)), answer(post(b!, body))])))
    // For each webhook one relay answers stored, the other duplicate: both 200.
    for (const pair of answers) expect(pair.map(({ status, stored }) => `${status} ${stored}`).sort()).toEqual(['200 duplicate', '200 stored'])
    expect(Number((await queryDatabase<{ n: string }>(database, 'SELECT COUNT(*) AS n FROM inbox'))[0]!.n)).toBe(20)
    await expect.poll(() => deliveredUsers(fakes), { timeout: 5000 }).toEqual({ meta: [...users].sort(), ga4: 20, segment: [...users].sort() })
    await sleep(500)
    expect(sentEvents(fakes)).toBe(60)
  })

  it("deliver a dead instance's leased rows once its lease expires, not before", async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    const survivor = await relayOn(database, fakes)
    // While the webhooks are stored, the survivor finds nothing due: the other instance claims them.
    const claims = vi.spyOn(survivor.store, 'claimDue').mockResolvedValue([])
    for (const user of ['pu-1', 'pu-2', 'pu-3']) expect((await post(survivor, missed(user))).status).toBe(200)
    const leaseMs = 1500
    const dead: Store = await openStore(route(database), { leaseMs })
    open.push(dead)
    const claimedAt = Date.now()
    expect(await dead.claimDue(claimedAt, 100)).toHaveLength(9)
    claims.mockRestore()
    // The dead instance never settles: its rows stay its own until the lease ends.
    await sleep(leaseMs - 500)
    expect(fakes.received).toEqual([])
    await expect.poll(() => sentEvents(fakes), { timeout: leaseMs + 3000 }).toBe(9)
    const took = Date.now() - claimedAt
    expect(took).toBeGreaterThanOrEqual(leaseMs)
    expect(took).toBeLessThan(leaseMs + 1500)
    expect(deliveredUsers(fakes)).toEqual({ meta: ['pu-1', 'pu-2', 'pu-3'], ga4: 3, segment: ['pu-1', 'pu-2', 'pu-3'] })
    await expect.poll(() => survivor.store.counts()).toEqual({ facebookPixel: { done: 3 }, ga4: { done: 3 }, segment: { done: 3 } })
  }, 10_000)

  it('do not send a row that waited past half its lease for its turn: it goes back, so no other instance sends it too', async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    // One GA4 request at a time, 700 ms each, a 1 s lease: the third GA4 row would start 1.4 s after its claim.
    const options = { leaseMs: 1000, requestTimeoutMs: 2000, limits: { ga4: { concurrency: 1 } } }
    fakes.respond.ga4 = () => ({ status: 200, delayMs: 700 })
    const [a, b] = [await relayOn(database, fakes, {}, options), await relayOn(database, fakes, {}, options)]
    const claims = vi.spyOn(b.store, 'claimDue').mockResolvedValue([])
    for (const user of ['pu-1', 'pu-2', 'pu-3']) expect((await post(a, missed(user))).status).toBe(200)
    claims.mockRestore()
    await expect.poll(() => fakes.messages('ga4').length, { timeout: 8000 }).toBe(3)
    await sleep(800)
    // Each GA4 row sent once: none after its lease had passed to the other instance.
    expect(fakes.received.filter((r) => r.url.startsWith('/ga4/mp/collect')).length).toBe(3)
    const attempts = await queryDatabase<{ attempts: number }>(database, "SELECT attempts FROM outbox WHERE destination = 'ga4'")
    expect(attempts.map((row) => row.attempts)).toEqual([1, 1, 1])
  }, 15_000)

  it('ignore what a slow instance records after its lease passed to another', async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    const relay = await relayOn(database, fakes)
    const claims = vi.spyOn(relay.store, 'claimDue').mockResolvedValue([])
    expect((await post(relay, missed('pu-1'))).status).toBe(200)
    const slow = await openStore(route(database), { leaseMs: 1000 })
    open.push(slow)
    const leased = await slow.claimDue(Date.now(), 100)
    expect(leased).toHaveLength(3)
    claims.mockRestore()
    await expect.poll(() => relay.store.counts(), { timeout: 4000 }).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { done: 1 } })
    // Its answer came too late: "retry" must not make the delivered rows pending again.
    await slow.settle(leased.map(({ id }) => ({ id, status: 'pending', nextAt: Date.now(), at: Date.now(), error: 'HTTP 500' })))
    expect(await relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { done: 1 } })
    await sleep(400)
    expect(fakes.received).toHaveLength(3)
  })

  it('take POPIN_BRIDGE_DATABASE_URL over relay.database', async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    const sqlite = tempDatabase()
    const relay = await relayOn(sqlite, fakes, { POPIN_BRIDGE_DATABASE_URL: route(database) })
    expect((await post(relay, missed('pu-9'))).status).toBe(200)
    expect(await queryDatabase(database, 'SELECT key FROM inbox')).toHaveLength(1)
    await expect.poll(() => fakes.received.length).toBe(3)
  })

  it.runIf(how === 'directly')('count the dead letters through their partial index, not a scan of every row kept', async () => {
    const database = await freshPostgresDatabase()
    const store = await openStore(database, { leaseMs: 30_000 })
    open.push(store)
    await queryDatabase(
      database,
      `INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, updated_at)
         SELECT 'kept-' || i, (ARRAY['facebookPixel', 'ga4', 'segment'])[1 + i % 3], 0, '{}', 1, CASE WHEN i % 5000 = 0 THEN 'dead' ELSE 'done' END, 1, 1
         FROM generate_series(1, 30000) i;
       ANALYZE outbox`,
    )
    expect(await store.deadCounts()).toEqual({ facebookPixel: 2, ga4: 2, segment: 2 })
    const plan = (await queryDatabase<{ 'QUERY PLAN': string }>(database, `EXPLAIN ${DEAD_COUNTS_QUERY}`)).map((row) => row['QUERY PLAN'])
    expect(plan.some((line) => line.includes('outbox_dead'))).toBe(true)
    expect(plan.filter((line) => line.includes('Seq Scan'))).toEqual([])
  })

  it('store an event name holding a NUL character (PostgreSQL text cannot hold one)', async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    const relay = await relayOn(database, fakes)
    const response = await post(relay, { ...missed('pu-0'), event: 'popin_call\u0000missed' })
    expect([response.status, (await response.json()).status]).toEqual([200, 'stored'])
    expect(await queryDatabase(database, 'SELECT event FROM inbox')).toEqual([{ event: 'popin_call\uFFFDmissed' }])
  })

  it.runIf(how !== 'directly')('reach it through PgBouncer, in transaction mode, more clients than server connections', async () => {
    const database = await freshPostgresDatabase()
    const fakes = await fakeDestinations()
    const relays = await Promise.all([relayOn(database, fakes), relayOn(database, fakes)])
    await Promise.all(relays.flatMap((relay) => ['pu-1', 'pu-2', 'pu-3'].map((user) => post(relay, missed(user)))))
    await expect.poll(() => sentEvents(fakes), { timeout: 5000 }).toBe(9)
    const admin = new pg.Client({ connectionString: route('postgres://postgres@127.0.0.1:1/pgbouncer') })
    await admin.connect()
    try {
      const name = new URL(database).pathname.slice(1)
      expect((await admin.query('SHOW CONFIG')).rows.find((row) => row.key === 'pool_mode')?.value).toBe('transaction')
      const clients = (await admin.query('SHOW CLIENTS')).rows.filter((row) => row.database === name)
      const servers = (await admin.query('SHOW SERVERS')).rows.filter((row) => row.database === name)
      expect(servers.length).toBeGreaterThan(0)
      expect(servers.length).toBeLessThanOrEqual(3)
      expect(clients.length).toBeGreaterThan(servers.length)
    } finally {
      await admin.end()
    }
  })
})

describe.skipIf(!postgresAvailable())('a PostgreSQL server that stops answering', () => {
  it('fails each query within the timeout rather than holding it, and works again with new connections once the server answers', async () => {
    const direct = await freshPostgresDatabase()
    const database = new URL(direct)
    const proxy = await startFreezableProxy(Number(database.port))
    open.push(proxy)
    database.port = String(proxy.port)
    const timeoutMs = 1000
    const store = await openStore(database.href, { leaseMs: 30_000, timeoutMs })
    open.push(store)
    const webhook = (key: string) => ({ key, event: 'popin_call_missed', body: '{}', receivedAt: Date.now(), entries: [{ destination: 'ga4', seq: 0, request: { url: 'http://127.0.0.1:1/', headers: {}, body: {} }, eventTime: Date.now() }] })
    const outcome = (call: Promise<unknown>) => call.then(() => 'answered', (error: Error) => error.message)
    // All 8 connections open, so that each is frozen with its socket open.
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.accept([webhook(`before-${i}`)])))
    proxy.freeze()
    const asked = Date.now()
    const calls = [store.accept([webhook('frozen')]), store.backlog(), store.claimDue(Date.now(), 10), store.deadCounts()]
    expect(await Promise.all([...calls, ...calls.map(() => store.deadLetters())].map(outcome))).toEqual(Array(8).fill('Query read timeout'))
    expect(Date.now() - asked).toBeLessThan(3 * timeoutMs)
    // Those 8 connections closed; a new one cannot be made either.
    expect(await outcome(store.accept([webhook('still frozen')]))).toBe('Connection terminated due to connection timeout')
    proxy.thaw()
    // A query that timed out on the client may still have been stored: then it is a duplicate.
    await expect.poll(() => outcome(store.accept([webhook('after')])), { timeout: 10_000, interval: 0 }).toBe('answered')
    expect((await store.claimDue(Date.now(), 20)).map((d) => d.key).sort()).toEqual(['after', ...Array.from({ length: 8 }, (_, i) => `before-${i}`)])
    // The hourly purge may wait longer than a query: here for a lock, twice the timeout.
    const locker = new pg.Client({ connectionString: direct })
    await locker.connect()
    open.push({ close: () => locker.end() })
    await locker.query('BEGIN')
    await locker.query('LOCK TABLE outbox IN EXCLUSIVE MODE')
    const purged = store.purge(Date.now())
    await sleep(2 * timeoutMs)
    await locker.query('COMMIT')
    expect(await purged).toEqual({ deliveries: 0, webhooks: 0 })
  }, 20_000)
})

describe.skipIf(!postgresAvailable())('purging a PostgreSQL database that keeps many webhooks', () => {
  it('deletes a chunk a statement, keeps a dead letter and its webhook, and what is younger', async () => {
    const database = await freshPostgresDatabase()
    const store = await openStore(database, { leaseMs: 30_000 })
    open.push(store)
    // 12,000 old webhooks delivered to three destinations (more than 7 chunks of rows), three
    // received in each millisecond (a chunk ends among webhooks of the same time), one with a dead
    // letter; and one young webhook delivered.
    const old = 12_000
    await queryDatabase(database, `INSERT INTO inbox (key, event, body, received_at) SELECT 'old-' || i, 'popin_call_missed', '{}', i / 3 FROM generate_series(1, ${old}) AS i`)
    await queryDatabase(database, `INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, updated_at)
      SELECT key, d, 0, '{}', 1, 'done', received_at + 10, received_at + 10 FROM inbox, unnest(ARRAY['facebookPixel', 'ga4', 'segment']) AS d`)
    await queryDatabase(database, `UPDATE outbox SET status = 'dead' WHERE key = 'old-7' AND destination = 'ga4'`)
    await queryDatabase(database, `INSERT INTO inbox (key, event, body, received_at) VALUES ('young', 'popin_call_missed', '{}', 900000)`)
    await queryDatabase(database, `INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, updated_at) VALUES ('young', 'ga4', 0, '{}', 1, 'done', 900010, 900010)`)
    expect(old * 3).toBeGreaterThan(PURGE_CHUNK * 7)
    expect(old).toBeGreaterThan(PURGE_CHUNK * 2)
    expect(await store.purge(500_000)).toEqual({ deliveries: old * 3 - 1, webhooks: old - 1 })
    expect(await store.counts()).toEqual({ ga4: { dead: 1, done: 1 } })
    expect((await queryDatabase<{ key: string }>(database, 'SELECT key FROM inbox ORDER BY key')).map((row) => row.key)).toEqual(['old-7', 'young'])
    expect(await store.purge(500_000)).toEqual({ deliveries: 0, webhooks: 0 })
  }, 20_000)
})
