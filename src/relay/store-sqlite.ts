import Database from 'libsql'
import type { StoredRequest } from '../adapter'
import type { DeadLetter, IncomingWebhook, Settled, Store, Visit } from './store'
import { mergeVisits } from './visits'

/** The embedded default: one SQLite file (WAL, fsync on every commit), one relay process. */
export function openSqliteStore(path: string): Store {
  const db = new Database(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = FULL')
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec(`
    CREATE TABLE IF NOT EXISTS inbox (
      key TEXT PRIMARY KEY, event TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY, key TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL,
      request TEXT NOT NULL, event_time INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL, leased INTEGER NOT NULL DEFAULT 0, last_error TEXT, updated_at INTEGER NOT NULL,
      UNIQUE (key, destination, seq));
    CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_at);
    CREATE INDEX IF NOT EXISTS outbox_key ON outbox (key);
    CREATE TABLE IF NOT EXISTS visits (lookup TEXT PRIMARY KEY, keys TEXT NOT NULL, updated_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS visits_updated ON visits (updated_at);
  `)
  // One relay process per database: whatever it had in flight when it died is due again.
  db.exec('UPDATE outbox SET leased = 0 WHERE leased = 1')

  const insertInbox = db.prepare('INSERT OR IGNORE INTO inbox (key, event, body, received_at) VALUES (?, ?, ?, ?)')
  const insertOutbox = db.prepare(
    'INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  // Many webhooks, one transaction: one fsync for all the requests that arrived together.
  const accept = db.transaction((webhooks: IncomingWebhook[]) =>
    webhooks.map(({ key, event, body, receivedAt, entries }) => {
      if (insertInbox.run(key, event, body, receivedAt).changes === 0) return 'duplicate' as const
      for (const entry of entries) {
        const status = entry.deadReason ? 'dead' : 'pending'
        insertOutbox.run(key, entry.destination, entry.seq, JSON.stringify(entry.request), entry.eventTime, status, receivedAt, entry.deadReason ?? null, receivedAt)
      }
      return 'stored' as const
    }),
  )
  const selectDue = db.prepare("SELECT id, key, destination, request, event_time, attempts FROM outbox WHERE status = 'pending' AND leased = 0 AND next_at <= ? ORDER BY next_at, id LIMIT ?")
  const lease = db.prepare('UPDATE outbox SET leased = 1 WHERE id = ?')
  const claim = db.transaction((now: number, limit: number) => {
    const rows = selectDue.all(now, limit) as { id: number; key: string; destination: string; request: string; event_time: number; attempts: number }[]
    for (const row of rows) lease.run(row.id)
    return rows
  })
  const finish = db.prepare("UPDATE outbox SET status = ?, leased = 0, attempts = attempts + 1, next_at = ?, last_error = ?, updated_at = ? WHERE id = ?")
  const settle = db.transaction((outcomes: Settled[]) => {
    for (const o of outcomes) finish.run(o.status, o.nextAt, o.error ?? null, o.at, o.id)
  })
  const replay = db.prepare("UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, last_error = NULL, updated_at = ? WHERE status = 'dead'")
  const counts = db.prepare('SELECT destination, status, COUNT(*) AS n FROM outbox GROUP BY destination, status')
  const deadRows = db.prepare("SELECT id, key, destination, attempts, last_error FROM outbox WHERE status = 'dead' ORDER BY id")
  const backlogRows = db.prepare("SELECT o.destination, COUNT(*) AS pending, MIN(i.received_at) AS oldest FROM outbox o JOIN inbox i ON i.key = o.key WHERE o.status = 'pending' GROUP BY o.destination")
  const purgeDone = db.prepare("DELETE FROM outbox WHERE status = 'done' AND updated_at < ?")
  const purgeInbox = db.prepare('DELETE FROM inbox WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.key = inbox.key)')
  const purge = db.transaction((before: number) => ({ deliveries: purgeDone.run(before).changes, webhooks: purgeInbox.run(before).changes }))
  // A key the new visit does not have keeps its earlier value: json_patch merges the objects.
  const upsertVisit = db.prepare('INSERT INTO visits (lookup, keys, updated_at) VALUES (?, ?, ?) ON CONFLICT (lookup) DO UPDATE SET keys = json_patch(visits.keys, excluded.keys), updated_at = excluded.updated_at')
  const remember = db.transaction((visits: Visit[], at: number) => {
    for (const { lookups, keys } of visits) for (const lookup of lookups) upsertVisit.run(lookup, JSON.stringify(keys), at)
  })
  const deleteVisit = db.prepare('DELETE FROM visits WHERE lookup = ?')
  const forget = db.transaction((lookups: string[]) => lookups.reduce((n, lookup) => n + deleteVisit.run(lookup).changes, 0))
  const purgeVisits = db.prepare('DELETE FROM visits WHERE updated_at < ?')

  // Async like the PostgreSQL store; the work itself is synchronous (libsql).
  return {
    accept: async (webhooks) => accept(webhooks),
    async claimDue(now, limit) {
      return claim(now, limit).map((row) => ({
        id: row.id,
        key: row.key,
        destination: row.destination,
        request: JSON.parse(row.request) as StoredRequest,
        eventTime: row.event_time,
        attempts: row.attempts,
      }))
    },
    settle: async (outcomes) => settle(outcomes),
    replayDead: async (now) => replay.run(now, now).changes,
    deadLetters: async () => deadRows.all() as DeadLetter[],
    async counts() {
      const out: Record<string, Record<string, number>> = {}
      for (const row of counts.all() as { destination: string; status: string; n: number }[]) (out[row.destination] ??= {})[row.status] = row.n
      return out
    },
    async backlog() {
      const rows = backlogRows.all() as { destination: string; pending: number; oldest: number }[]
      return Object.fromEntries(rows.map((row) => [row.destination, { pending: row.pending, oldestReceivedAt: row.oldest }]))
    },
    purge: async (before) => purge(before),
    remember: async (visits, at) => remember(visits, at),
    async recall(lookups, since) {
      if (!lookups.length) return {}
      const rows = db.prepare(`SELECT lookup, keys FROM visits WHERE updated_at >= ? AND lookup IN (${lookups.map(() => '?').join(', ')})`).all(since, ...lookups) as { lookup: string; keys: string }[]
      return mergeVisits(lookups, rows)
    },
    forget: async (lookups) => forget(lookups),
    purgeVisits: async (before) => purgeVisits.run(before).changes,
    close: async () => void db.close(),
  }
}
