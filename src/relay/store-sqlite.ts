import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'libsql'
import type { StoredRequest } from '../adapter'
import { deliveryRow, lookupText, withDeliveries, type DeliveryRecord, type InboxRecord } from './inbox-rows'
import type { DeadLetter, Delivery, InboxQuery, IncomingWebhook, Settled, Source, Store, Visit } from './store'
import { recallByTurn, type VisitRow } from './visits'

const syncToDisk = promisify(fdatasync)
const nextTurn = () => new Promise(setImmediate)

// The hot calls' arguments and answers as flat rows of strings and numbers, each request already
// JSON: what passes between threads cheaply (nested objects cost more to copy than to store).
export type EntryRow = [destination: string, seq: number, request: string, eventTime: number, deadReason: string | null]
export type WebhookRow = [key: string, event: string, body: string, receivedAt: number, source: Source, lookups: string, entries: EntryRow[]]
export type ClaimedRow = [id: number, key: string, destination: string, request: string, eventTime: number, attempts: number]
/** Each webhook's outcome; with a `lease`, each entry's id where it leased the row, else 0 (webhook by webhook, entry by entry). */
export type AcceptedRows = [outcomes: ('stored' | 'duplicate')[], leased: number[]]
export type SettledRow = [id: number, status: Settled['status'], nextAt: number, at: number, error: string | null, response: string | null]

export const webhookRow = ({ key, event, body, receivedAt, source, lookups, entries }: IncomingWebhook): WebhookRow => [
  key,
  event,
  body,
  receivedAt,
  source ?? 'webhook',
  lookupText(lookups),
  entries.map((entry) => [entry.destination, entry.seq, JSON.stringify(entry.request), entry.eventTime, entry.deadReason ?? null]),
]
export const settledRow = ({ id, status, nextAt, at, error, response }: Settled): SettledRow => [id, status, nextAt, at, error ?? null, response ?? null]
/** `accept`'s answer from `acceptRows`'s: the leased entries get their ids. */
export function withLeased(webhooks: IncomingWebhook[], [outcomes, leased]: AcceptedRows): AcceptedRows[0] {
  let at = 0
  for (const { entries } of webhooks) {
    for (const entry of entries) {
      const id = leased[at++]
      if (id) entry.id = id
    }
  }
  return outcomes
}
export const delivery = ([id, key, destination, request, eventTime, attempts]: ClaimedRow): Delivery => ({ id, key, destination, request: JSON.parse(request) as StoredRequest, eventTime, attempts })

/** The destinations the outbox has rows for, read by skipping along the index: one step each. */
const DESTINATIONS = `
  WITH RECURSIVE destinations (name) AS (
    SELECT MIN(destination) FROM outbox
    UNION ALL SELECT (SELECT MIN(destination) FROM outbox WHERE destination > name) FROM destinations WHERE name IS NOT NULL)`

/**
 * `columns` of the rows of one status, found through the index destination by destination (the
 * destinations themselves by skipping along it): /readyz, /healthz, /metrics and the admin pages
 * cost what is pending or dead, not what is kept.
 * INDEXED BY: with statistics (ANALYZE) SQLite would build a temporary index on each call instead.
 */
const rowsOf = (status: 'pending' | 'dead', columns: string) => `${DESTINATIONS}
  SELECT ${columns} FROM destinations JOIN outbox o INDEXED BY outbox_due_by_destination ON o.destination = name AND o.status = '${status}'`

/** Each destination's pending rows: how many, and since when. */
export const BACKLOG_QUERY = `${rowsOf('pending', 'name AS destination, COUNT(o.id) AS pending, MIN(o.received_at) AS oldest')} GROUP BY name`
/** Each destination's dead letters: how many. */
export const DEAD_QUERY = `${rowsOf('dead', 'name AS destination, COUNT(o.id) AS dead')} GROUP BY name`
/** The dead letters themselves, for the admin pages (a scan of the outbox held the writer for each page). */
export const DEAD_LETTERS_QUERY = `${rowsOf('dead', 'o.id, o.key, o.destination, o.attempts, o.last_error')} ORDER BY o.id`
/** Every dead letter due again (`relay replay`). */
export const REPLAY_QUERY = `UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, last_error = NULL, updated_at = ? WHERE id IN (${rowsOf('dead', 'o.id')})`

/** Rows a purge deletes a transaction. */
export const PURGE_CHUNK = 2000
/**
 * One destination's delivered rows settled before a time, a chunk of them, through the index its
 * claims use: a delivered row's next_at is when it was settled (updated_at, which the purge means).
 * A scan of the outbox instead read every row kept, the writer stalled meanwhile: 0.2-0.6 s an
 * hour at 300,000 webhooks kept, and in proportion beyond.
 */
export const PURGE_DONE = `SELECT id FROM outbox INDEXED BY outbox_due_by_destination WHERE destination = ? AND status = 'done' AND next_at < ? AND updated_at < ? LIMIT ?`
/** Rows by id (a JSON array): one lookup each, whatever the planner's statistics say of the table. */
export const DELETE_ROWS = (table: 'inbox' | 'outbox') => `DELETE FROM ${table} WHERE rowid IN (SELECT value FROM json_each(?))`
/** Webhooks received before a time, a chunk after (received_at, rowid), each with whether rows of it are left. */
export const PURGE_INBOX = `SELECT rowid, received_at, EXISTS (SELECT 1 FROM outbox WHERE outbox.received_at = inbox.received_at AND outbox.key = inbox.key)
  FROM inbox WHERE (received_at, rowid) > (?, ?) AND received_at < ? ORDER BY received_at, rowid LIMIT ?`

/** The SQLite store, with its hot calls also as rows (what its thread is sent). */
export interface SqliteStore extends Store {
  acceptRows(webhooks: WebhookRow[], lease?: readonly string[]): Promise<AcceptedRows>
  claimRows(now: number, limit: number, destination?: string): Promise<ClaimedRow[]>
  settleRows(outcomes: SettledRow[]): Promise<void>
}

/**
 * The embedded default: one SQLite file (WAL), one relay process.
 *
 * Durability without blocking: commits are `synchronous = NORMAL` (safe from corruption in WAL
 * mode, synced at checkpoints), and `accept` resolves only once the write-ahead log holding its
 * commit is flushed to disk by an fdatasync on libuv's thread pool, which is what `FULL` does, but
 * without stopping the event loop for the disk: webhooks keep arriving and the next group commit
 * forms meanwhile. Outcomes are not flushed on their own: a power cut may lose the last of them,
 * and those deliveries are then sent again with the same ids, as after any crash (a process crash
 * loses nothing committed). The relay runs it on a thread of its own (store-sqlite-threaded.ts).
 */
export function openSqliteStore(path: string): SqliteStore {
  const db = new Database(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec(`
    CREATE TABLE IF NOT EXISTS inbox (
      key TEXT PRIMARY KEY, event TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY, key TEXT NOT NULL, destination TEXT NOT NULL, seq INTEGER NOT NULL,
      request TEXT NOT NULL, event_time INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL, last_error TEXT, updated_at INTEGER NOT NULL);
    -- Each destination claims its own rows (a slow vendor never holds back another).
    DROP INDEX IF EXISTS outbox_due;
    DROP INDEX IF EXISTS outbox_key;
    CREATE INDEX IF NOT EXISTS outbox_due_by_destination ON outbox (destination, status, next_at);
    CREATE TABLE IF NOT EXISTS visits (lookup TEXT PRIMARY KEY, keys TEXT NOT NULL, updated_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS visits_updated ON visits (updated_at);
    CREATE INDEX IF NOT EXISTS inbox_received ON inbox (received_at);
  `)
  // Columns added since the first release: for the admin pages.
  addColumns(db, 'inbox', { source: "TEXT NOT NULL DEFAULT 'webhook'", lookups: "TEXT NOT NULL DEFAULT ''" })
  addColumns(db, 'outbox', { response: 'TEXT' })
  // A webhook's rows are found by when it was received, then by key: an index that grows only at
  // its end, where one by key, a random hash, would take a write to a page anywhere in it for each
  // row. (Files of earlier releases also keep their UNIQUE (key, destination, seq).)
  if (addColumns(db, 'outbox', { received_at: 'INTEGER' }).length) {
    db.exec('UPDATE outbox SET received_at = (SELECT received_at FROM inbox WHERE inbox.key = outbox.key)')
  }
  db.exec('CREATE INDEX IF NOT EXISTS outbox_received ON outbox (received_at)')
  // The log SQLite appends each commit to; it stays while the connection is open. Its folder is
  // synced once, so that the file itself survives a power cut.
  const wal = openSync(`${path}-wal`, 'r')
  syncFolder(dirname(resolve(path)))

  // Many rows a statement: each statement the binding runs costs more than SQLite's work for a row.
  // ON CONFLICT (key), not OR IGNORE: a row SQLite refuses for any other reason is an error, not a duplicate.
  const insertInbox = insertMany(db, 'INSERT INTO inbox (key, event, body, received_at, source, lookups) VALUES', 6, 'ON CONFLICT (key) DO NOTHING RETURNING key')
  const insertOutbox = insertMany(db, 'INSERT INTO outbox (key, destination, seq, request, event_time, status, next_at, last_error, updated_at, received_at) VALUES', 10)
  // Many webhooks, one transaction: one flush for all the requests that arrived together. Answers
  // each stored webhook's row ids, in its entries' order; undefined for a duplicate.
  const accept = db.transaction((webhooks: WebhookRow[]): (number[] | undefined)[] => {
    const inserted = new Set(insertInbox(webhooks.map((webhook) => webhook.slice(0, 6))).map(([key]) => key))
    const outbox: unknown[][] = []
    const firsts = webhooks.map(([key, , , receivedAt, , , entries]) => {
      // A key twice in one batch: the first is the one stored.
      if (!inserted.delete(key)) return undefined
      const first = outbox.length
      for (const [destination, seq, request, eventTime, deadReason] of entries) {
        outbox.push([key, destination, seq, request, eventTime, deadReason ? 'dead' : 'pending', receivedAt, deadReason, receivedAt, receivedAt])
      }
      return first
    })
    const ids = insertOutbox(outbox).map(([id]) => id as number)
    return firsts.map((first, i) => (first === undefined ? undefined : ids.slice(first, first + webhooks[i]![6].length)))
  })
  // One relay process per database: what it has leased is kept in its memory, not written to each
  // row, so a claim writes nothing; a crash forgets the leases, as the reset at start did.
  const leases = new Map<number, string>()
  const due = (filter: string) =>
    db
      .prepare(
        `SELECT id, key, destination, request, event_time, attempts FROM outbox
         WHERE status = 'pending' AND next_at <= ? ${filter} AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY next_at, id LIMIT ?`,
      )
      .raw()
  const dueAny = due('')
  const dueTo = due('AND destination = ?')
  const claim = (now: number, limit: number, destination?: string) => {
    const leased = JSON.stringify([...leases].filter(([, to]) => destination === undefined || to === destination).map(([id]) => id))
    const rows = (destination === undefined ? dueAny.all(now, leased, limit) : dueTo.all(now, destination, leased, limit)) as ClaimedRow[]
    for (const [id, , to] of rows) leases.set(id, to)
    return rows.sort((a, b) => a[0] - b[0])
  }
  /** Leases the stored rows to `destinations` (not those stored dead): each entry's id if leased, else 0. */
  const leaseStored = (webhooks: WebhookRow[], stored: (number[] | undefined)[], destinations: readonly string[]) =>
    webhooks.flatMap(([, , , , , , entries], i) =>
      entries.map(([destination, , , , deadReason], at) => {
        const id = !deadReason && destinations.includes(destination) ? (stored[i]?.[at] ?? 0) : 0
        if (id) leases.set(id, destination)
        return id
      }),
    )
  // The rows of one request settle alike: one statement for them all.
  const finish = db.prepare('UPDATE outbox SET status = ?, attempts = attempts + 1, next_at = ?, last_error = ?, response = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))')
  const defer = db.prepare('UPDATE outbox SET next_at = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))')
  const settle = db.transaction((outcomes: SettledRow[]) => {
    const alike = new Map<string, { outcome: SettledRow; ids: number[] }>()
    for (const outcome of outcomes) {
      const same = JSON.stringify(outcome.slice(1))
      const group = alike.get(same)
      if (group) group.ids.push(outcome[0])
      else alike.set(same, { outcome, ids: [outcome[0]] })
    }
    for (const { outcome: [, status, nextAt, at, error, response], ids } of alike.values()) {
      if (status === 'deferred') defer.run(nextAt, at, JSON.stringify(ids))
      else finish.run(status, nextAt, error, response, at, JSON.stringify(ids))
    }
  })
  const replay = db.prepare(REPLAY_QUERY)
  const replayOne = db.prepare("UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, last_error = NULL, updated_at = ? WHERE id = ? AND status = 'dead'")
  const counts = db.prepare('SELECT destination, status, COUNT(*) AS n FROM outbox GROUP BY destination, status')
  const deadRows = db.prepare(DEAD_LETTERS_QUERY)
  const backlogRows = db.prepare(BACKLOG_QUERY)
  const deadByDestination = db.prepare(DEAD_QUERY)
  const destinations = db.prepare(`${DESTINATIONS} SELECT name FROM destinations WHERE name IS NOT NULL`).pluck()
  const purgeDone = db.prepare(PURGE_DONE).pluck()
  const deleteOutbox = db.prepare(DELETE_ROWS('outbox'))
  const purgeInbox = db.prepare(PURGE_INBOX).raw()
  const deleteInbox = db.prepare(DELETE_ROWS('inbox'))
  // A purge costs what it deletes, and webhooks are stored meanwhile: a chunk a transaction, and a
  // turn of this thread's loop between chunks (its messages, the webhooks, are read then).
  const purge = async (before: number) => {
    let deliveries = 0
    for (const destination of destinations.all() as string[]) {
      for (let found = PURGE_CHUNK; found === PURGE_CHUNK; ) {
        const ids = purgeDone.all(destination, before, before, PURGE_CHUNK) as number[]
        found = ids.length
        if (found) deliveries += deleteOutbox.run(JSON.stringify(ids)).changes
        await nextTurn()
      }
    }
    // Webhooks whose rows are all gone; one still holding a row (a dead letter) stays, and the next
    // chunk starts after it.
    let webhooks = 0
    let after = [-Infinity, -Infinity]
    for (;;) {
      const chunk = purgeInbox.all(...after, before, PURGE_CHUNK) as [rowid: number, receivedAt: number, kept: number][]
      const gone = chunk.filter(([, , kept]) => !kept).map(([rowid]) => rowid)
      if (gone.length) webhooks += deleteInbox.run(JSON.stringify(gone)).changes
      if (chunk.length < PURGE_CHUNK) return { deliveries, webhooks }
      const [rowid, receivedAt] = chunk[chunk.length - 1]!
      after = [receivedAt, rowid]
      await nextTurn()
    }
  }
  // A key the new visit does not have keeps its earlier value: json_patch merges the objects.
  const upsertVisit = db.prepare('INSERT INTO visits (lookup, keys, updated_at) VALUES (?, ?, ?) ON CONFLICT (lookup) DO UPDATE SET keys = json_patch(visits.keys, excluded.keys), updated_at = excluded.updated_at')
  const remember = db.transaction((visits: Visit[], at: number) => {
    for (const { lookups, keys } of visits) for (const lookup of lookups) upsertVisit.run(lookup, JSON.stringify(keys), at)
  })
  const deleteVisit = db.prepare('DELETE FROM visits WHERE lookup = ?')
  const forget = db.transaction((lookups: string[]) => lookups.reduce((n, lookup) => n + deleteVisit.run(lookup).changes, 0))
  const purgeVisits = db.prepare('DELETE FROM visits WHERE updated_at < ?')
  const store: SqliteStore = {
    async acceptRows(webhooks, lease = []) {
      const stored = accept(webhooks)
      // Leased as soon as committed, before a claim can take the rows; free again if the flush fails.
      const leased = lease.length ? leaseStored(webhooks, stored, lease) : []
      try {
        await syncToDisk(wal)
      } catch (error) {
        for (const id of leased) if (id) leases.delete(id)
        throw error
      }
      return [stored.map((ids) => (ids ? 'stored' : 'duplicate')), leased]
    },
    claimRows: async (now, limit, destination) => claim(now, limit, destination),
    async settleRows(outcomes) {
      settle(outcomes)
      // Only once recorded: a row whose outcome is lost is not claimed again while it may still be in flight.
      for (const [id] of outcomes) leases.delete(id)
    },
    accept: async (webhooks, lease) => withLeased(webhooks, await store.acceptRows(webhooks.map(webhookRow), lease)),
    leasesAsStored: true,
    claimDue: async (now, limit, destination) => claim(now, limit, destination).map(delivery),
    settle: (outcomes) => store.settleRows(outcomes.map(settledRow)),
    replayDead: async (now) => replay.run(now, now).changes,
    deadLetters: async () => deadRows.all() as DeadLetter[],
    replayDeadLetter: async (id, now) => replayOne.run(now, now, id).changes > 0,
    ...inboxReader(db),
    async counts() {
      const out: Record<string, Record<string, number>> = {}
      for (const row of counts.all() as { destination: string; status: string; n: number }[]) (out[row.destination] ??= {})[row.status] = row.n
      return out
    },
    async backlog() {
      const rows = backlogRows.all() as { destination: string; pending: number; oldest: number }[]
      return Object.fromEntries(rows.map((row) => [row.destination, { pending: row.pending, oldestReceivedAt: row.oldest }]))
    },
    deadCounts: async () => Object.fromEntries((deadByDestination.all() as { destination: string; dead: number }[]).map((row) => [row.destination, row.dead])),
    purge,
    remember: async (visits, at) => remember(visits, at),
    recall: visitRecaller(db),
    forget: async (lookups) => forget(lookups),
    purgeVisits: async (before) => purgeVisits.run(before).changes,
    async close() {
      // This binding's close leaves the log as it is: everything goes into the file itself, so that
      // the file alone (a backup, a copy) holds every webhook acknowledged. Without waiting: beside
      // a running relay (relay replay, relay forget) the checkpoint must not hold its writes, and
      // copies what it can.
      try {
        db.exec('PRAGMA busy_timeout = 0')
        db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      } catch {
        // Busy: the running relay's own close empties the log.
      } finally {
        db.close()
        closeSync(wal)
      }
    },
  }
  return store
}

/** A connection that only reads: in WAL mode it never waits for the writer, nor holds it. */
export function openReadOnly(path: string): Database.Database {
  const db = new Database(path)
  db.exec('PRAGMA query_only = 1')
  db.exec('PRAGMA busy_timeout = 5000')
  return db
}

/** The admin pages' reads on a connection: webhooks newest first (by visitor, by key) with their deliveries. */
export function inboxReader(db: Database.Database): Pick<Store, 'inbox' | 'deliveries'> {
  const inboxRows = db.prepare('SELECT key, event, body, source, received_at FROM inbox WHERE (? IS NULL OR instr(lookups, ?) > 0) AND (? IS NULL OR key = ?) ORDER BY received_at DESC, key LIMIT ? OFFSET ?')
  const deliveryRows = db.prepare(
    'SELECT o.id, o.key, o.destination, o.seq, o.status, o.attempts, o.last_error, o.response, o.updated_at FROM inbox i JOIN outbox o ON o.received_at = i.received_at AND o.key = i.key WHERE i.key IN (SELECT value FROM json_each(?)) ORDER BY o.id',
  )
  const deliveriesOf = (keys: string[]) => (deliveryRows.all(JSON.stringify(keys)) as DeliveryRecord[]).map(deliveryRow)
  // One snapshot for both reads: a purge between them would show a webhook without its deliveries.
  const page = db.transaction(({ limit, offset = 0, lookup, key }: InboxQuery) => {
    const rows = inboxRows.all(lookup ?? null, lookup ? ` ${lookup} ` : null, key ?? null, key ?? null, limit, offset) as InboxRecord[]
    return withDeliveries(rows, deliveriesOf(rows.map((row) => row.key)))
  })
  return {
    inbox: async (query) => page(query),
    deliveries: async (key) => deliveriesOf([key]).map(({ row }) => row),
  }
}

/** `recall` on a connection: the match keys kept under these lookup keys since `since`, merged. */
export function visitRecaller(db: Database.Database): Store['recall'] {
  const query = db.prepare('SELECT lookup, keys, updated_at FROM visits WHERE updated_at >= ? AND lookup IN (SELECT value FROM json_each(?))')
  return recallByTurn(async (lookups, since) => query.all(since, JSON.stringify(lookups)) as VisitRow[])
}

export const ROWS_PER_STATEMENT = 32

/**
 * `insert` (an INSERT up to its VALUES) for any number of rows of `columns` values, run as
 * statements of up to ROWS_PER_STATEMENT rows, each prepared once. `returning`, when given, follows
 * the VALUES (an ON CONFLICT and a RETURNING clause), and the rows it returns are the answer;
 * without it, each row's `[rowid]`, in order.
 */
function insertMany(db: Database.Database, insert: string, columns: number, returning?: string): (rows: unknown[][]) => unknown[][] {
  const row = `(${Array(columns).fill('?').join(', ')})`
  const statements = new Map<number, Database.Statement>()
  const statement = (count: number) => {
    let found = statements.get(count)
    if (!found) {
      found = db.prepare(`${insert} ${Array(count).fill(row).join(', ')} ${returning ?? ''}`)
      // Rows as arrays: `[key]`.
      if (returning) found = found.raw()
      statements.set(count, found)
    }
    return found
  }
  return (rows) => {
    const out: unknown[][] = []
    for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(at, at + ROWS_PER_STATEMENT)
      if (returning) out.push(...(statement(chunk.length).all(chunk.flat()) as unknown[][]))
      else {
        // A row without an id gets the largest one plus one: the statement's rows have the ids up to its last.
        const { lastInsertRowid } = statement(chunk.length).run(chunk.flat())
        for (let id = Number(lastInsertRowid) - chunk.length + 1; id <= Number(lastInsertRowid); id++) out.push([id])
      }
    }
    return out
  }
}

/** Adds the columns a table lacks (SQLite has no ADD COLUMN IF NOT EXISTS); returns those it added. */
function addColumns(db: Database.Database, table: string, columns: Record<string, string>): string[] {
  const present = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name))
  const missing = Object.keys(columns).filter((name) => !present.has(name))
  for (const name of missing) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${columns[name]}`)
  return missing
}

function syncFolder(folder: string) {
  const fd = openSync(folder, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
