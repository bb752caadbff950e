// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import Database from 'libsql'
import { openStore, type IncomingWebhook, type Store } from '../../src/relay/store'
import { onEachEngine, queryDatabase, tempDatabase, testDatabase } from './support'

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

const request = { url: 'http://127.0.0.1:1/x', headers: {}, body: {} }
const webhook = (key: string, receivedAt: number, extra: Partial<IncomingWebhook> = {}): IncomingWebhook => ({
  key,
  event: 'popin_call_missed',
  body: `{"event":"popin_call_missed","n":"${key}"}`,
  receivedAt,
  entries: [
    { destination: 'facebookPixel', seq: 0, request, eventTime: receivedAt },
    { destination: 'ga4', seq: 0, request, eventTime: receivedAt },
  ],
  ...extra,
})

onEachEngine(() => {
  describe('store: what the admin pages read', () => {
    it('lists inbox rows newest first, a page at a time, each with its deliveries and their answers', async () => {
      store = await openStore(await testDatabase(), { leaseMs: 30_000 })
      await store.accept([webhook('a', 1000), webhook('b', 3000, { source: 'browser' }), webhook('c', 2000)])
      const claimed = await store.claimDue(5000, 10)
      const ofKey = (key: string, destination: string) => claimed.find((d) => d.key === key && d.destination === destination)!.id
      await store.settle([
        { id: ofKey('b', 'facebookPixel'), status: 'done', nextAt: 5000, at: 5000, response: '{"fbtrace_id":"T1"}' },
        { id: ofKey('b', 'ga4'), status: 'dead', nextAt: 5000, at: 5001, error: 'HTTP 400: no', response: '{"error":"no"}' },
        { id: ofKey('c', 'ga4'), status: 'pending', nextAt: 9000, at: 5002, error: 'HTTP 503: later' },
        { id: ofKey('c', 'facebookPixel'), status: 'deferred', nextAt: 6000, at: 5003 },
      ])
      const first = await store.inbox({ limit: 2 })
      expect(first.map((row) => [row.key, row.source, row.receivedAt])).toEqual([
        ['b', 'browser', 3000],
        ['c', 'webhook', 2000],
      ])
      expect(first[0]!.deliveries.map(({ destination, status, attempts, lastError, response, updatedAt }) => ({ destination, status, attempts, lastError, response, updatedAt }))).toEqual([
        { destination: 'facebookPixel', status: 'done', attempts: 1, lastError: null, response: '{"fbtrace_id":"T1"}', updatedAt: 5000 },
        { destination: 'ga4', status: 'dead', attempts: 1, lastError: 'HTTP 400: no', response: '{"error":"no"}', updatedAt: 5001 },
      ])
      expect(first[1]!.deliveries.map((d) => [d.destination, d.status, d.attempts, d.lastError, d.response])).toEqual([
        ['facebookPixel', 'pending', 0, null, null],
        ['ga4', 'pending', 1, 'HTTP 503: later', null],
      ])
      expect((await store.inbox({ limit: 2, offset: 2 })).map((row) => row.key)).toEqual(['a'])
      expect((await store.inbox({ limit: 5, key: 'c' })).map((row) => row.key)).toEqual(['c'])
      expect((await store.deliveries('b')).map((d) => [d.destination, d.status])).toEqual([
        ['facebookPixel', 'done'],
        ['ga4', 'dead'],
      ])
      expect(await store.deliveries('nothing')).toEqual([])
    })

    it('finds rows by a whole lookup key only', async () => {
      store = await openStore(await testDatabase(), { leaseMs: 30_000 })
      const em = 'f'.repeat(64)
      await store.accept([webhook('a', 1000, { lookups: ['uid:1234', `em:${em}`] }), webhook('b', 2000, { lookups: ['uid:12345'] }), webhook('c', 3000)])
      expect((await store.inbox({ limit: 10, lookup: 'uid:1234' })).map((row) => row.key)).toEqual(['a'])
      expect((await store.inbox({ limit: 10, lookup: 'uid:12345' })).map((row) => row.key)).toEqual(['b'])
      expect((await store.inbox({ limit: 10, lookup: `em:${em}` })).map((row) => row.key)).toEqual(['a'])
      expect(await store.inbox({ limit: 10, lookup: 'uid:123' })).toEqual([])
    })

    it('makes one dead letter due again by its id, and nothing else', async () => {
      store = await openStore(await testDatabase(), { leaseMs: 30_000 })
      await store.accept([webhook('a', 1000)])
      const [meta, ga4] = await store.claimDue(2000, 10)
      await store.settle([
        { id: meta!.id, status: 'dead', nextAt: 2000, at: 2000, error: 'refused' },
        { id: ga4!.id, status: 'done', nextAt: 2000, at: 2000 },
      ])
      expect(await store.replayDeadLetter(ga4!.id, 3000)).toBe(false)
      expect(await store.replayDeadLetter(meta!.id, 3000)).toBe(true)
      expect(await store.replayDeadLetter(meta!.id, 3000)).toBe(false)
      expect(await store.deadLetters()).toEqual([])
      expect((await store.claimDue(3000, 10)).map((d) => [d.id, d.attempts])).toEqual([[meta!.id, 0]])
    })
  })
})

describe('store: a SQLite file of an earlier release', () => {
  it('gains the admin columns, its rows read as webhooks with no answer yet', async () => {
    const path = tempDatabase()
    const old = new Database(path)
    old.exec(`CREATE TABLE inbox (key TEXT PRIMARY KEY, event TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL);
      CREATE TABLE outbox (id INTEGER PRIMARY KEY, key TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL,
        request TEXT NOT NULL, event_time INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL, leased INTEGER NOT NULL DEFAULT 0, last_error TEXT, updated_at INTEGER NOT NULL, UNIQUE (key, destination, seq));
      INSERT INTO inbox VALUES ('old', 'popin_call_missed', '{}', 1000);
      INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, updated_at) VALUES ('old', 'ga4', 0, '{}', 1000, 'done', 1000, 1000);`)
    old.close()
    store = await openStore(path, { leaseMs: 30_000 })
    const [row] = await store.inbox({ limit: 10 })
    expect([row!.source, row!.deliveries[0]!.response]).toEqual(['webhook', null])
    await store.close()
    // Opened again, nothing is added twice.
    store = await openStore(path, { leaseMs: 30_000 })
    expect((await queryDatabase<{ name: string }>(path, 'PRAGMA table_info(inbox)')).map((c) => c.name)).toEqual(['key', 'event', 'body', 'received_at', 'source', 'lookups'])
  })
})
