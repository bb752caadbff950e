// @vitest-environment node
import { copyFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'libsql'
import { afterEach, describe, expect, it } from 'vitest'
import { BACKLOG_QUERY, DEAD_LETTERS_QUERY, DEAD_QUERY, DELETE_ROWS, PURGE_CHUNK, PURGE_DONE, PURGE_INBOX, REPLAY_QUERY, ROWS_PER_STATEMENT } from '../../src/relay/store-sqlite'
import { openStore, type IncomingWebhook, type Store } from '../../src/relay/store'
import { onEachEngine, queryDatabase, tempDatabase, testDatabase } from './support'

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

const webhook = (key: string, destinations: string[]): IncomingWebhook => ({
  key,
  event: 'popin_call_missed',
  body: `{"n":"${key}"}`,
  receivedAt: 1000,
  entries: destinations.map((destination, seq) => ({ destination, seq, request: { url: `http://127.0.0.1:1/${key}`, headers: {}, body: { key, seq } }, eventTime: 1000 })),
})

const SETTLED = {
  done: { status: 'done', nextAt: 5000, at: 5000 },
  dead: { status: 'dead', nextAt: 5000, at: 5000, error: 'HTTP 400' },
  pending: { status: 'pending', nextAt: 9000, at: 5000, error: 'HTTP 503' },
} as const

/**
 * Stores webhooks ([key, received at, destinations]), claims their rows at 5000, and records each
 * named row's outcome: done, dead (HTTP 400), or pending again (HTTP 503, due at 9000).
 */
async function storeAndSettle(store: Store, webhooks: [string, number, string[]][], outcomes: [string, string, keyof typeof SETTLED][]) {
  await store.accept(webhooks.map(([key, receivedAt, destinations]) => ({ ...webhook(key, destinations), receivedAt })))
  const claimed = await store.claimDue(5000, 10)
  const id = (key: string, destination: string) => claimed.find((d) => d.key === key && d.destination === destination)!.id
  await store.settle(outcomes.map(([key, destination, outcome]) => ({ id: id(key, destination), ...SETTLED[outcome] })))
}

onEachEngine(() => {
  describe('store: accepting many webhooks at once', () => {
    // More webhooks than one statement holds (SQLite inserts ROWS_PER_STATEMENT rows a statement),
    // and a key again after the statement its first copy went in.
    it('stores each new key once with its rows, and says which were already there, in order', async () => {
      store = await openStore(await testDatabase(), { leaseMs: 30_000 })
      expect(await store.accept([webhook('old', ['ga4'])])).toEqual(['stored'])
      const count = ROWS_PER_STATEMENT + 8
      const keys = Array.from({ length: count }, (_, i) => `k${i}`)
      const all = (key: string) => webhook(key, ['facebookPixel', 'ga4', 'segment'])
      // k3 again, with other rows: the first one stays.
      const batch = [...keys.slice(0, 20).map(all), webhook('old', ['segment']), ...keys.slice(20).map(all), webhook('k3', ['segment'])]
      const outcomes = await store.accept(batch)
      expect(outcomes).toEqual([...keys.slice(0, 20).map(() => 'stored'), 'duplicate', ...keys.slice(20).map(() => 'stored'), 'duplicate'])
      const due = await store.claimDue(2000, 1000)
      expect(due).toHaveLength(1 + count * 3)
      // Each row as its webhook gave it; k3's are the first k3's.
      const k3 = due.filter((d) => d.key === 'k3').map((d) => [d.destination, d.request.body])
      expect(k3).toEqual([
        ['facebookPixel', { key: 'k3', seq: 0 }],
        ['ga4', { key: 'k3', seq: 1 }],
        ['segment', { key: 'k3', seq: 2 }],
      ])
      expect(new Set(due.map((d) => `${d.key} ${d.destination}`)).size).toBe(due.length)
      // Rows take ids in the order their webhooks came (claims go by id), not in the keys' order.
      expect([...new Set(due.map((d) => d.key))]).toEqual(['old', ...keys])
    })
  })
})

onEachEngine((engine) => {
  describe('store: leasing rows as they are stored', () => {
    // SQLite leases the rows of `lease`'s destinations as it stores them (the relay then sends them
    // without claiming them back); PostgreSQL leaves every row to a claim.
    it(engine === 'sqlite' ? 'gives the leased rows their ids, and no claim takes them until they are settled' : 'leaves every row to a claim', async () => {
      const database = await testDatabase()
      store = await openStore(database, { leaseMs: 30_000 })
      expect(await store.accept([webhook('old', ['ga4'])])).toEqual(['stored'])
      const dead = { ...webhook('dead', ['ga4']).entries[0]!, deadReason: 'could not build the request: no' }
      const batch = [webhook('a', ['facebookPixel', 'ga4', 'segment']), webhook('old', ['ga4']), { ...webhook('b', []), entries: [dead, { ...webhook('b', ['ga4']).entries[0]!, seq: 1 }] }]
      expect(await store.accept(batch, ['ga4', 'segment'])).toEqual(['stored', 'duplicate', 'stored'])
      const [a, old, b] = batch.map((w) => w.entries.map((entry) => entry.id))
      const due = (await store.claimDue(2000, 100)).map((d) => `${d.key} ${d.destination}`).sort()
      if (engine === 'postgres') {
        expect([a, old, b]).toEqual([[undefined, undefined, undefined], [undefined], [undefined, undefined]])
        expect(due).toEqual(['a facebookPixel', 'a ga4', 'a segment', 'b ga4', 'old ga4'])
        return
      }
      // The new rows to ga4 and segment, not a duplicate's nor a dead one's, each with its row's id.
      expect([a, old, b]).toEqual([[undefined, expect.any(Number), expect.any(Number)], [undefined], [undefined, expect.any(Number)]])
      const rows = await queryDatabase<{ id: number; key: string; destination: string; seq: number; status: string }>(database, 'SELECT id, key, destination, seq, status FROM outbox')
      const leased = [a![1], a![2], b![1]].map((id) => rows.find((row) => row.id === id)).map((row) => row && [row.key, row.destination, row.seq, row.status])
      expect(leased).toEqual([
        ['a', 'ga4', 1, 'pending'],
        ['a', 'segment', 2, 'pending'],
        ['b', 'ga4', 1, 'pending'],
      ])
      expect(due).toEqual(['a facebookPixel', 'old ga4'])
      // Over several statements (ROWS_PER_STATEMENT rows each), a key twice in one batch: each id is its own row's.
      const many = [...Array.from({ length: ROWS_PER_STATEMENT }, (_, i) => webhook(`m${i}`, ['facebookPixel', 'ga4', 'segment'])), webhook('m3', ['ga4']), webhook('m40', ['ga4', 'segment'])]
      expect(await store.accept(many, ['facebookPixel', 'ga4', 'segment'])).toEqual([...many.slice(0, -2).map(() => 'stored'), 'duplicate', 'stored'])
      const all = await queryDatabase<{ id: number; key: string; destination: string; seq: number }>(database, 'SELECT id, key, destination, seq FROM outbox')
      const rowOf = (id: number | undefined) => all.find((row) => row.id === id)
      const mapped = many.flatMap((w) => w.entries.map((entry) => (entry.id === undefined ? 'none' : [rowOf(entry.id)?.key, rowOf(entry.id)?.destination, rowOf(entry.id)?.seq])))
      expect(mapped).toEqual(many.flatMap((w, i) => w.entries.map((entry) => (i === ROWS_PER_STATEMENT ? 'none' : [w.key, entry.destination, entry.seq]))))
      // Settled later: no longer leased, so a retry is claimed when due.
      await store.settle([{ id: a![1]!, status: 'pending', nextAt: 3000, at: 2500, error: 'HTTP 503' }])
      expect((await store.claimDue(3000, 100)).map((d) => `${d.key} ${d.destination} ${d.id}`)).toEqual([`a ga4 ${a![1]}`])
    })
  })
})

onEachEngine(() => {
  describe('store: recalling visits for the webhooks of one turn', () => {
    // Both engines answer the recalls made in one turn with one read (recallByTurn, src/relay/visits.ts):
    // each still gets only its own lookups, merged in its order, and only visits since its own time.
    it('answers each recall as if it were alone', async () => {
      store = await openStore(await testDatabase(), { leaseMs: 30_000 })
      await store.remember([{ lookups: ['uid:a', 'em:x'], keys: { fbp: 'fb.1.1764590000000.111' } }], 1000)
      await store.remember([{ lookups: ['uid:b'], keys: { fbp: 'fb.1.1764590000000.222', client_id: '1.2' } }], 5000)
      await store.remember([{ lookups: ['em:x'], keys: { client_id: '3.4' } }], 5000)
      const asks: [string[], number][] = [
        [['uid:a'], 0],
        [['uid:a'], 2000],
        [['uid:b', 'em:x'], 0],
        [['em:x', 'uid:b'], 0],
        [[], 0],
        [['uid:nobody'], 0],
      ]
      const together = await Promise.all(asks.map(([lookups, since]) => store!.recall(lookups, since)))
      expect(together).toEqual([
        { fbp: 'fb.1.1764590000000.111' },
        {},
        { fbp: 'fb.1.1764590000000.222', client_id: '1.2' },
        { fbp: 'fb.1.1764590000000.111', client_id: '3.4' },
        {},
        {},
      ])
      const alone = []
      for (const [lookups, since] of asks) alone.push(await store.recall(lookups, since))
      expect(alone).toEqual(together)
    })
  })
})

onEachEngine(() => {
  describe('store: what /healthz and /metrics count', () => {
    it('counts pending and dead rows by destination, delivered ones not', async () => {
      store = await openStore(await testDatabase(), { leaseMs: 30_000 })
      await storeAndSettle(
        store,
        [
          ['a', 1000, ['facebookPixel', 'ga4', 'segment']],
          ['b', 2000, ['ga4', 'segment']],
        ],
        [
          ['a', 'facebookPixel', 'done'],
          ['a', 'ga4', 'dead'],
          ['b', 'ga4', 'dead'],
          ['a', 'segment', 'dead'],
          ['b', 'segment', 'pending'],
        ],
      )
      expect(await store.deadCounts()).toEqual({ ga4: 2, segment: 1 })
      expect(await store.backlog()).toEqual({ segment: { pending: 1, oldestReceivedAt: 2000 } })
      expect(await store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { dead: 2 }, segment: { dead: 1, pending: 1 } })
    })
  })
})

describe('the SQLite store: the pending and dead rows /readyz, /healthz and /metrics count', () => {
  it('reads only pending and dead rows (backlog, dead letters, replay): the index, searched destination by destination, never a scan of the outbox', async () => {
    const database = tempDatabase()
    store = await openStore(database, { leaseMs: 30_000 })
    await storeAndSettle(
      store,
      [
        ['a', 1000, ['facebookPixel', 'ga4']],
        ['b', 2000, ['ga4', 'segment']],
        ['c', 3000, ['segment']],
      ],
      [
        ['a', 'facebookPixel', 'done'],
        ['a', 'ga4', 'dead'],
        ['b', 'segment', 'pending'],
      ],
    )
    expect(await store.backlog()).toEqual({ ga4: { pending: 1, oldestReceivedAt: 2000 }, segment: { pending: 2, oldestReceivedAt: 2000 } })
    const db = new Database(database)
    try {
      // A file that kept many delivered rows, with statistics (ANALYZE, or PRAGMA optimize): the
      // planner weighs other plans then.
      db.exec(`INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, updated_at, received_at)
        WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
        SELECT 'delivered-' || i, CASE i % 3 WHEN 0 THEN 'ga4' WHEN 1 THEN 'segment' ELSE 'facebookPixel' END, 0, '{}', 1, 'done', 1, 1, 1 FROM n`)
      db.exec('ANALYZE')
      expect(await store.backlog()).toEqual({ ga4: { pending: 1, oldestReceivedAt: 2000 }, segment: { pending: 2, oldestReceivedAt: 2000 } })
      expect(await store.deadCounts()).toEqual({ ga4: 1 })
      expect(await store.deadLetters()).toEqual([{ id: expect.any(Number), key: 'a', destination: 'ga4', attempts: 1, last_error: 'HTTP 400' }])
      // The backlog and the dead letters read each row they count or show; the dead count and the
      // replay need the index alone.
      for (const [query, search] of [
        [BACKLOG_QUERY, 'SEARCH o USING INDEX outbox_due_by_destination (destination=? AND status=?)'],
        [DEAD_QUERY, 'SEARCH o USING COVERING INDEX outbox_due_by_destination (destination=? AND status=?)'],
        [DEAD_LETTERS_QUERY, 'SEARCH o USING INDEX outbox_due_by_destination (destination=? AND status=?)'],
        [REPLAY_QUERY, 'SEARCH o USING COVERING INDEX outbox_due_by_destination (destination=? AND status=?)'],
      ]) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as { detail: string }[]).map((row) => row.detail)
        expect(plan.filter((step) => /\bSCAN o(utbox)?\b|AUTOMATIC/.test(step))).toEqual([])
        expect(plan).toContain(search)
      }
      expect(await store.replayDead(6000)).toBe(1)
      expect([await store.deadCounts(), await store.deadLetters(), (await store.backlog()).ga4]).toEqual([{}, [], { pending: 2, oldestReceivedAt: 1000 }])
    } finally {
      db.close()
    }
  })
})

describe('a SQLite file that keeps many webhooks', () => {
  it("searches for the admin pages on a reader thread of their own: webhooks are stored meanwhile", async () => {
    const database = tempDatabase()
    store = await openStore(database, { leaseMs: 30_000 })
    const db = new Database(database)
    try {
      db.exec(`INSERT INTO inbox (key, event, body, received_at, lookups)
        WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT 'old-' || i, 'popin_call_missed', '{}', i, ' uid:' || hex(randomblob(32)) || ' ' FROM n`)
    } finally {
      db.close()
    }
    const finished: string[] = []
    // A visitor with no webhook: the search reads every one.
    const searched = store.inbox({ limit: 51, lookup: 'uid:nobody' }).then((rows) => (finished.push('search'), rows))
    const stored = store.accept([{ ...webhook('new', ['ga4']), receivedAt: 300_000 }]).then((outcome) => (finished.push('accept'), outcome))
    expect([await searched, await stored]).toEqual([[], ['stored']])
    expect(finished).toEqual(['accept', 'search'])
    expect((await store.inbox({ limit: 2 })).map((row) => row.key)).toEqual(['new', 'old-200000'])
    // Closed, it starts no thread that nobody would stop.
    const closed = store
    store = undefined
    await closed.close()
    await expect(closed.inbox({ limit: 1 })).rejects.toThrow('the SQLite store is closed')
  })


  it('deletes through the indexes, a chunk a transaction, and stores webhooks meanwhile', async () => {
    const database = tempDatabase()
    store = await openStore(database, { leaseMs: 30_000 })
    const db = new Database(database)
    try {
      // 20,000 old webhooks delivered to three destinations (30 chunks of rows), three received in
      // each millisecond (so that a chunk ends among webhooks of the same time), one of them with a
      // dead letter; and one young webhook delivered.
      const old = 20_000
      db.exec(`INSERT INTO inbox (key, event, body, received_at)
        WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${old}) SELECT 'old-' || i, 'popin_call_missed', '{}', i / 3 FROM n`)
      for (const destination of ['facebookPixel', 'ga4', 'segment']) {
        db.exec(`INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, updated_at, received_at)
          SELECT key, '${destination}', 0, '{}', 1, 'done', received_at + 10, received_at + 10, received_at FROM inbox`)
      }
      db.exec(`UPDATE outbox SET status = 'dead' WHERE key = 'old-7' AND destination = 'ga4'`)
      db.exec(`INSERT INTO inbox (key, event, body, received_at) VALUES ('young', 'popin_call_missed', '{}', 900000)`)
      db.exec(`INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, updated_at, received_at) VALUES ('young', 'ga4', 0, '{}', 1, 'done', 900010, 900010, 900000)`)
      expect(old * 3).toBeGreaterThan(PURGE_CHUNK * 20)

      // With the statistics of a file that keeps many rows (ANALYZE, or PRAGMA optimize), which the planner weighs.
      db.exec('ANALYZE')
      for (const [query, searches] of [
        [PURGE_DONE, ['SEARCH outbox USING INDEX outbox_due_by_destination (destination=? AND status=? AND next_at<?)']],
        [DELETE_ROWS('outbox'), ['SCAN json_each VIRTUAL TABLE INDEX 1:', 'SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)']],
        [DELETE_ROWS('inbox'), ['SCAN json_each VIRTUAL TABLE INDEX 1:', 'SEARCH inbox USING INTEGER PRIMARY KEY (rowid=?)']],
        [PURGE_INBOX, ['SEARCH inbox USING INDEX inbox_received (received_at>? AND received_at<?)', 'SEARCH outbox USING INDEX outbox_received (received_at=?)']],
      ] as const) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as { detail: string }[]).map((row) => row.detail)
        expect(plan.filter((step) => /\bSCAN (inbox|outbox)\b|AUTOMATIC|TEMP B-TREE/.test(step)), query).toEqual([])
        for (const search of searches) expect(plan, query).toContain(search)
      }

      const finished: string[] = []
      const purged = store.purge(500_000).then((counts) => (finished.push('purge'), counts))
      // Sent once the purge has begun: one transaction for all of it held this until the end.
      const stored = store.accept([{ ...webhook('new', ['ga4']), receivedAt: 950_000 }]).then((outcome) => (finished.push('accept'), outcome))
      expect(await stored).toEqual(['stored'])
      expect(await purged).toEqual({ deliveries: old * 3 - 1, webhooks: old - 1 })
      expect(finished).toEqual(['accept', 'purge'])
      expect(await store.counts()).toEqual({ ga4: { dead: 1, done: 1, pending: 1 } })
      expect(db.prepare('SELECT key FROM inbox ORDER BY key').pluck().all()).toEqual(['new', 'old-7', 'young'])
    } finally {
      db.close()
    }
  })
})

describe('the SQLite file', () => {
  it('holds everything once the store is closed: its log is emptied into it, so a copy of the file alone is whole', async () => {
    const database = tempDatabase()
    store = await openStore(database, { leaseMs: 30_000 })
    await store.accept([webhook('a', ['ga4', 'segment']), webhook('b', ['ga4'])])
    await store.close()
    store = undefined
    expect(statSync(`${database}-wal`).size).toBe(0)
    const copy = join(dirname(database), 'copy.db')
    copyFileSync(database, copy)
    const db = new Database(copy)
    try {
      expect(db.prepare('SELECT key, destination FROM outbox ORDER BY key, destination').all()).toEqual([
        { key: 'a', destination: 'ga4' },
        { key: 'a', destination: 'segment' },
        { key: 'b', destination: 'ga4' },
      ])
    } finally {
      db.close()
    }
  })

  it('closes without waiting for a reader of the same file (relay forget beside a running relay): the log is emptied later', async () => {
    const database = tempDatabase()
    store = await openStore(database, { leaseMs: 30_000 })
    await store.accept([webhook('a', ['ga4'])])
    // A running relay's read, open while the other process closes.
    const reader = new Database(database)
    try {
      reader.exec('BEGIN')
      reader.prepare('SELECT COUNT(*) AS n FROM outbox').get()
      const closing = Date.now()
      await store.close()
      store = undefined
      // With the 5 s busy timeout, the checkpoint would wait for the reader that whole time.
      expect(Date.now() - closing).toBeLessThan(1000)
      expect(reader.prepare('SELECT key FROM outbox').all()).toEqual([{ key: 'a' }])
    } finally {
      reader.close()
    }
  })

  it('names a folder that is missing, rather than the driver\'s "ConnectionFailed(…: 14)"', async () => {
    const missing = join(dirname(tempDatabase()), 'no-such-folder', 'relay.db')
    await expect(openStore(missing, { leaseMs: 30_000 })).rejects.toThrow(`cannot open the SQLite file ${missing}: the folder ${dirname(missing)} does not exist`)
  })
})
