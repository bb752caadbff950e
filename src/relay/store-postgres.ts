import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { StoredRequest } from '../adapter'
import { deliveryRow, lookupText, withDeliveries, type DeliveryRecord, type InboxRecord } from './inbox-rows'
import type { DeadLetter, Settled, Store, StoreOptions } from './store'
import { recallByTurn, type VisitRow } from './visits'

/**
 * The schema, one step per version; a step is never edited once released, only followed by
 * another. Times are epoch milliseconds, as in the SQLite file.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE inbox (
     key TEXT PRIMARY KEY, event TEXT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL);
   CREATE TABLE outbox (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL,
     request TEXT NOT NULL, event_time BIGINT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_at BIGINT NOT NULL, leased_until BIGINT, lease_token TEXT, last_error TEXT, updated_at BIGINT NOT NULL,
     UNIQUE (key, destination, seq));
   CREATE INDEX outbox_due ON outbox (next_at, id) WHERE status = 'pending';`,
  // Retention: what is purged is found by key and by age.
  `CREATE INDEX outbox_key ON outbox (key);
   CREATE INDEX outbox_done ON outbox (updated_at) WHERE status = 'done';
   CREATE INDEX inbox_received ON inbox (received_at);`,
  // UNIQUE (key, destination, seq) already finds rows by key: one index less to write per row.
  `DROP INDEX outbox_key;
   DROP INDEX outbox_due;
   CREATE INDEX outbox_due ON outbox (destination, next_at, id) WHERE status = 'pending';`,
  // Stitching: a visitor's match keys by lookup key (uid:, em:, ph: and a SHA-256 hex).
  `CREATE TABLE visits (lookup TEXT PRIMARY KEY, keys JSONB NOT NULL, updated_at BIGINT NOT NULL);
   CREATE INDEX visits_updated ON visits (updated_at);`,
  // The admin pages: where a row came from, the lookup keys it is searched by, the vendor's answer.
  `ALTER TABLE inbox ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook', ADD COLUMN lookups TEXT NOT NULL DEFAULT '';
   ALTER TABLE outbox ADD COLUMN response TEXT;`,
  // /healthz and /metrics count the dead letters: what is dead, not every row kept.
  `CREATE INDEX outbox_dead ON outbox (destination) WHERE status = 'dead';`,
]

/** The dead letters by destination, through the partial index of migration 6. */
export const DEAD_COUNTS_QUERY = "SELECT destination, COUNT(*)::int AS n FROM outbox WHERE status = 'dead' GROUP BY destination"

/**
 * A batch of webhooks and their outbox rows in one statement, so one round trip and one
 * transaction: the inbox takes the keys it does not have, and the outbox the rows of those, in
 * the order given.
 */
const ACCEPT = `
  WITH stored AS (
    INSERT INTO inbox (key, event, body, received_at, source, lookups)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
    ON CONFLICT (key) DO NOTHING RETURNING key),
  queued AS (
    INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, last_error, updated_at)
    SELECT k, d, s, r, t, st, n, e, n
    FROM unnest($7::text[], $8::text[], $9::int[], $10::text[], $11::bigint[], $12::text[], $13::bigint[], $14::text[]) WITH ORDINALITY AS v(k, d, s, r, t, st, n, e, i)
    WHERE k IN (SELECT key FROM stored) ORDER BY i)
  SELECT key FROM stored`

/**
 * Applies the missing migrations in one transaction under a transaction-level advisory lock:
 * instances starting together wait for each other, and the lock needs no session of its own
 * (it holds behind PgBouncer in transaction mode).
 */
async function migrate(url: string, timeoutMs: number): Promise<void> {
  // A client of its own, without the pool's query timeout: a migration may build an index.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, ...KEEP_ALIVE })
  // A connection that breaks fails the query in flight; unheard, the event would end the process.
  client.on('error', () => undefined)
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query("SELECT pg_advisory_xact_lock(hashtext('popin_bridge_migrations'))")
    await client.query('CREATE TABLE IF NOT EXISTS popin_bridge_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())')
    const { rows } = await client.query<{ version: number }>('SELECT version FROM popin_bridge_migrations')
    const applied = new Set(rows.map((row) => row.version))
    for (const [index, sql] of MIGRATIONS.entries()) {
      if (applied.has(index + 1)) continue
      await client.query(sql)
      await client.query('INSERT INTO popin_bridge_migrations (version) VALUES ($1)', [index + 1])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    await client.end()
  }
}

/**
 * How long a query waits for PostgreSQL's answer, and a new connection for the server, by default:
 * past it the query fails (a webhook gets its 503, to send again) and its connection is replaced.
 * A server that stops answering without closing its sockets (a network cut, a frozen host) held
 * every query and the pool's 8 connections forever.
 */
export const QUERY_TIMEOUT_MS = 10_000
/** TCP keep-alive probes from 30 s of silence (the system's default waits two hours). */
const KEEP_ALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 30_000 }
/** A purge's chunk may wait longer than a webhook's query for the rows it deletes. */
const PURGE_TIMEOUT_MS = 10 * 60_000
/** Rows a purge deletes a statement. */
export const PURGE_CHUNK = 5000
/** Delivered rows settled before $1, a chunk, through the partial index of delivered rows (migration 2). */
const PURGE_DONE = `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'done' AND updated_at < $1 LIMIT ${PURGE_CHUNK})`
/**
 * Webhooks received before $1, a chunk after ($2, $3) in (received_at, key) order: those with no
 * row left go; one that still has one (a dead letter) stays, and the next chunk starts after it.
 */
const PURGE_INBOX = `WITH chunk AS (
    SELECT key, received_at, NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.key = inbox.key) AS gone FROM inbox
    WHERE received_at < $1 AND (received_at, key) > ($2::bigint, $3::text) ORDER BY received_at, key LIMIT ${PURGE_CHUNK}),
  deleted AS (DELETE FROM inbox WHERE key IN (SELECT key FROM chunk WHERE gone) RETURNING 1),
  last AS (SELECT received_at, key FROM chunk ORDER BY received_at DESC, key DESC LIMIT 1)
  SELECT (SELECT COUNT(*) FROM deleted)::int AS deleted, (SELECT COUNT(*) FROM chunk)::int AS scanned,
    (SELECT received_at FROM last) AS last_at, (SELECT key FROM last) AS last_key`

/**
 * PostgreSQL, for several relay instances on one database. Claims take rows with FOR UPDATE SKIP
 * LOCKED and lease them until `now + leaseMs`: an instance that dies holding rows loses them when
 * the lease expires, so the others send them. Leases are never reset at start (another instance
 * may hold them). Polling finds due rows; nothing depends on LISTEN/NOTIFY or on a session.
 */
export async function openPostgresStore(url: string, { leaseMs, timeoutMs = QUERY_TIMEOUT_MS }: StoreOptions): Promise<Store> {
  await migrate(url, timeoutMs)
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, ...KEEP_ALIVE })
  // An idle connection dropped (the server restarted): the pool opens another, and the query that
  // needed it reports the failure. Without a listener the event would end the process.
  pool.on('error', () => undefined)
  const deliveriesOf = async (keys: string[]) =>
    (await pool.query<DeliveryRecord>('SELECT id, key, destination, seq, status, attempts, last_error, response, updated_at FROM outbox WHERE key = ANY($1::text[]) ORDER BY id', [keys])).rows.map(deliveryRow)
  // The token of each lease this instance holds: a settle counts only while the lease is still its
  // own, so a slow instance whose lease expired cannot overwrite what the one that took over recorded.
  const tokens = new Map<number, string>()

  return {
    async accept(webhooks) {
      // Keys in one order, so two instances storing overlapping batches wait rather than deadlock.
      const key = (i: number) => webhooks[i]!.key
      const order = webhooks.map((_, i) => i).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a - b))
      const sorted = order.map((i) => webhooks[i]!)
      // The first of a key in the batch is the one that may be stored; any later copy is a duplicate.
      const firstOfKey = order.filter((_, i) => i === 0 || sorted[i - 1]!.key !== sorted[i]!.key)
      const firsts = firstOfKey.map((i) => webhooks[i]!)
      // Outbox rows in the order the webhooks came, as on SQLite: their ids follow it.
      const mayStore = new Set(firstOfKey)
      const entries = webhooks.flatMap((w, i) => (mayStore.has(i) ? w.entries.map((entry) => ({ w, entry })) : []))
      // ON CONFLICT DO NOTHING: the same webhook reaching two instances at once is stored once.
      const { rows } = await pool.query<{ key: string }>(ACCEPT, [
        firsts.map((w) => w.key),
        firsts.map((w) => noNul(w.event)),
        firsts.map((w) => w.body),
        firsts.map((w) => w.receivedAt),
        firsts.map((w) => w.source ?? 'webhook'),
        firsts.map((w) => lookupText(w.lookups)),
        entries.map(({ w }) => w.key),
        entries.map(({ entry }) => entry.destination),
        entries.map(({ entry }) => entry.seq),
        entries.map(({ entry }) => JSON.stringify(entry.request)),
        entries.map(({ entry }) => entry.eventTime),
        entries.map(({ entry }) => (entry.deadReason ? 'dead' : 'pending')),
        entries.map(({ w }) => w.receivedAt),
        entries.map(({ entry }) => entry.deadReason ?? null),
      ])
      const inserted = new Set(rows.map((row) => row.key))
      const result = new Array<'stored' | 'duplicate'>(webhooks.length)
      order.forEach((original, i) => (result[original] = inserted.delete(sorted[i]!.key) ? 'stored' : 'duplicate'))
      return result
    },

    async claimDue(now, limit, destination) {
      const token = randomUUID()
      // One statement, one transaction: rows another instance is claiming are skipped, not waited for.
      const { rows } = await pool.query<{ id: string; key: string; destination: string; request: string; event_time: string; attempts: number }>(
        `WITH due AS (
           SELECT id FROM outbox
           WHERE status = 'pending' AND next_at <= $1 AND (leased_until IS NULL OR leased_until < $1) AND ($5::text IS NULL OR destination = $5)
           ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE outbox o SET leased_until = $3, lease_token = $4 FROM due WHERE o.id = due.id
         RETURNING o.id, o.key, o.destination, o.request, o.event_time, o.attempts`,
        [now, limit, now + leaseMs, token, destination ?? null],
      )
      return rows
        .map((row) => {
          tokens.set(Number(row.id), token)
          return {
            id: Number(row.id),
            key: row.key,
            destination: row.destination,
            request: JSON.parse(row.request) as StoredRequest,
            eventTime: Number(row.event_time),
            attempts: row.attempts,
          }
        })
        .sort((a, b) => a.id - b.id)
    },

    async settle(outcomes: Settled[]) {
      if (!outcomes.length) return
      // A row whose lease passed to another instance is left as that instance records it. Backoff
      // times carry fractions of a millisecond: rounded up, never earlier than chosen.
      await pool.query(
        `UPDATE outbox o SET status = CASE v.status WHEN 'deferred' THEN 'pending' ELSE v.status END, leased_until = NULL, lease_token = NULL,
           attempts = o.attempts + (v.status <> 'deferred')::int, next_at = v.next_at, last_error = CASE v.status WHEN 'deferred' THEN o.last_error ELSE v.error END,
           response = CASE v.status WHEN 'deferred' THEN o.response ELSE v.response END, updated_at = v.at
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS v(id, status, next_at, error, at, token, response)
         WHERE o.id = v.id AND o.lease_token = v.token`,
        [
          outcomes.map((o) => o.id),
          outcomes.map((o) => o.status),
          outcomes.map((o) => Math.ceil(o.nextAt)),
          outcomes.map((o) => o.error ?? null),
          outcomes.map((o) => o.at),
          outcomes.map((o) => tokens.get(o.id) ?? null),
          outcomes.map((o) => (o.response === undefined ? null : noNul(o.response))),
        ],
      )
      for (const o of outcomes) tokens.delete(o.id)
    },

    async replayDead(now) {
      const { rowCount } = await pool.query("UPDATE outbox SET status = 'pending', attempts = 0, next_at = $1, last_error = NULL, updated_at = $1 WHERE status = 'dead'", [now])
      return rowCount ?? 0
    },

    async deadLetters() {
      const { rows } = await pool.query<DeadLetter & { id: string }>("SELECT id, key, destination, attempts, last_error FROM outbox WHERE status = 'dead' ORDER BY id")
      return rows.map((row) => ({ ...row, id: Number(row.id) }))
    },

    async replayDeadLetter(id, now) {
      const { rowCount } = await pool.query("UPDATE outbox SET status = 'pending', attempts = 0, next_at = $1, last_error = NULL, updated_at = $1 WHERE id = $2 AND status = 'dead'", [now, id])
      return (rowCount ?? 0) > 0
    },

    async inbox({ limit, offset = 0, lookup, key }) {
      const { rows } = await pool.query<InboxRecord>(
        'SELECT key, event, body, source, received_at FROM inbox WHERE ($1::text IS NULL OR strpos(lookups, $1) > 0) AND ($4::text IS NULL OR key = $4) ORDER BY received_at DESC, key LIMIT $2 OFFSET $3',
        [lookup ? ` ${lookup} ` : null, limit, offset, key ?? null],
      )
      return withDeliveries(rows, await deliveriesOf(rows.map((row) => row.key)))
    },

    deliveries: async (key) => (await deliveriesOf([key])).map(({ row }) => row),

    async counts() {
      const { rows } = await pool.query<{ destination: string; status: string; n: number }>('SELECT destination, status, COUNT(*)::int AS n FROM outbox GROUP BY destination, status')
      const out: Record<string, Record<string, number>> = {}
      for (const row of rows) (out[row.destination] ??= {})[row.status] = row.n
      return out
    },

    async backlog() {
      const { rows } = await pool.query<{ destination: string; pending: number; oldest: string }>(
        "SELECT o.destination, COUNT(*)::int AS pending, MIN(i.received_at) AS oldest FROM outbox o JOIN inbox i ON i.key = o.key WHERE o.status = 'pending' GROUP BY o.destination",
      )
      return Object.fromEntries(rows.map((row) => [row.destination, { pending: row.pending, oldestReceivedAt: Number(row.oldest) }]))
    },

    async deadCounts() {
      const { rows } = await pool.query<{ destination: string; n: number }>(DEAD_COUNTS_QUERY)
      return Object.fromEntries(rows.map((row) => [row.destination, row.n]))
    },

    async purge(before) {
      // A chunk a statement, each its own transaction: a purge that took longer than its limit in
      // one transaction would never finish, and the database would grow for good.
      const purgeQuery = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => pool.query<R>({ text, values, query_timeout: PURGE_TIMEOUT_MS } as pg.QueryConfig)
      let deliveries = 0
      for (let changes = PURGE_CHUNK; changes === PURGE_CHUNK; deliveries += changes) {
        changes = (await purgeQuery(PURGE_DONE, [before])).rowCount ?? 0
      }
      let webhooks = 0
      for (let after: [number | string, string] = [-1, '']; ; ) {
        const { rows } = await purgeQuery<{ deleted: number; scanned: number; last_at: string; last_key: string }>(PURGE_INBOX, [before, ...after])
        const { deleted, scanned, last_at, last_key } = rows[0]!
        webhooks += deleted
        if (scanned < PURGE_CHUNK) return { deliveries, webhooks }
        after = [last_at, last_key]
      }
    },

    async remember(visits, at) {
      // One row per lookup in a statement (ON CONFLICT cannot touch a row twice): merged here first.
      const merged = new Map<string, Record<string, string>>()
      for (const { lookups, keys } of visits) for (const lookup of lookups) merged.set(lookup, { ...merged.get(lookup), ...(keys as Record<string, string>) })
      if (!merged.size) return
      const unique = [...merged].map(([lookup, keys]) => ({ lookup, keys: JSON.stringify(keys) }))
      await pool.query(
        `INSERT INTO visits (lookup, keys, updated_at) SELECT l, k::jsonb, $3 FROM unnest($1::text[], $2::text[]) AS v(l, k)
         ON CONFLICT (lookup) DO UPDATE SET keys = visits.keys || excluded.keys, updated_at = excluded.updated_at`,
        [unique.map((row) => row.lookup), unique.map((row) => row.keys), at],
      )
    },

    recall: recallByTurn(
      async (lookups, since) =>
        (await pool.query<VisitRow>('SELECT lookup, keys::text AS keys, updated_at FROM visits WHERE updated_at >= $1 AND lookup = ANY($2::text[])', [since, lookups])).rows,
    ),

    async forget(lookups) {
      const { rowCount } = await pool.query('DELETE FROM visits WHERE lookup = ANY($1::text[])', [lookups])
      return rowCount ?? 0
    },

    async purgeVisits(before) {
      const { rowCount } = await pool.query('DELETE FROM visits WHERE updated_at < $1', [before])
      return rowCount ?? 0
    },

    close: () => pool.end(),
  }
}

/** PostgreSQL text holds no NUL character (JSON's "\u0000" can put one in the event name); the body keeps it escaped. */
const noNul = (text: string) => text.replace(/\0/g, '\uFFFD')
