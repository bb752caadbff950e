import type { StoredRequest, VisitKeys } from '../adapter'
import { openPostgresStore } from './store-postgres'
import { openThreadedSqliteStore } from './store-sqlite-threaded'

export interface OutboxEntry {
  destination: string
  seq: number
  request: StoredRequest
  eventTime: number
  /** Set when the request could not even be built: the row is stored dead, with this reason. */
  deadReason?: string
  /** Its row's id, set by `Store.accept` when it leased the row as it stored it. */
  id?: number
}

export interface IncomingWebhook {
  key: string
  event: string
  body: string
  receivedAt: number
  entries: OutboxEntry[]
  /** Where it came from: Popin's webhook (the default) or a page's `POST /e`. */
  source?: Source
  /** The lookup keys it is found by in the admin's search (`uid:`, `em:`, `ph:` and a SHA-256 hex). */
  lookups?: string[]
}

export type Source = 'webhook' | 'browser'

/** Most characters of a vendor's answer kept per delivery. */
export const RESPONSE_EXCERPT_CHARS = 2048

/**
 * done; pending again at `nextAt` after a failed attempt; dead, with the reason in `error`; or
 * deferred: not attempted (a destination's rate limit), pending again at `nextAt`.
 */
export interface Settled {
  id: number
  status: 'done' | 'pending' | 'dead' | 'deferred'
  nextAt: number
  at: number
  error?: string
  /** The start of the vendor's answer (its body), kept for the admin pages. */
  response?: string
}

export interface Delivery {
  id: number
  key: string
  destination: string
  request: StoredRequest
  eventTime: number
  attempts: number
}

export interface DeadLetter {
  id: number
  key: string
  destination: string
  attempts: number
  last_error: string
}

/** One outbox row as the admin pages show it. */
export interface DeliveryRow {
  id: number
  destination: string
  seq: number
  status: 'pending' | 'done' | 'dead'
  attempts: number
  lastError: string | null
  response: string | null
  updatedAt: number
}

/** One inbox row (a webhook or a browser event), with its deliveries. */
export interface InboxRow {
  key: string
  event: string
  body: string
  source: Source
  receivedAt: number
  deliveries: DeliveryRow[]
}

/** Which inbox rows, newest first: a page of them, or only those found by a lookup key, or the one of an id. */
export interface InboxQuery {
  limit: number
  offset?: number
  lookup?: string
  key?: string
}

/**
 * The relay's database: an inbox of webhooks keyed by idempotency key, and an outbox row per
 * destination call. A webhook and its rows are written in one transaction before Popin gets its
 * 200, so an acknowledged webhook survives a crash.
 */
export interface Store {
  /**
   * Stores webhooks with their deliveries, atomically; `duplicate` for one stored before. The new
   * deliveries to `lease`'s destinations (not those stored dead) are leased to this process as they
   * are stored, as a claim would lease them, and get their `id`, so that they are sent without being
   * claimed back. An engine that does not (`leasesAsStored`) leaves `id` unset: they are claimed.
   */
  accept(webhooks: IncomingWebhook[], lease?: readonly string[]): Promise<('stored' | 'duplicate')[]>
  /** Whether `accept` leases rows as it stores them (one process a database: SQLite). */
  readonly leasesAsStored?: boolean
  /** Leases up to `limit` due deliveries: to one destination, or to any without it. */
  claimDue(now: number, limit: number, destination?: string): Promise<Delivery[]>
  /** Records how deliveries went, in one transaction. */
  settle(outcomes: Settled[]): Promise<void>
  /** Makes every dead delivery due again; returns how many. */
  replayDead(now: number): Promise<number>
  deadLetters(): Promise<DeadLetter[]>
  /** Makes one dead delivery due again; false when there is no dead delivery of that id. */
  replayDeadLetter(id: number, now: number): Promise<boolean>
  /** Inbox rows newest first, each with its deliveries. */
  inbox(query: InboxQuery): Promise<InboxRow[]>
  /** The deliveries of one inbox row, by its key. */
  deliveries(key: string): Promise<DeliveryRow[]>
  /**
   * Every outbox row kept, by destination and status: a count of all of them, delivered ones
   * included, so for tests and tools; the relay's endpoints read `backlog` and `deadCounts`.
   */
  counts(): Promise<Record<string, Record<string, number>>>
  /** Per destination: deliveries waiting, and when the webhook of the oldest of them arrived. */
  backlog(): Promise<Record<string, Backlog>>
  /** Per destination with any: the dead letters kept (through an index: what is dead, not what is kept). */
  deadCounts(): Promise<Record<string, number>>
  /**
   * Deletes what is older than `before`: delivered rows, then the webhooks (and so their
   * idempotency keys) with no row left. Dead letters stay until replayed or delivered.
   */
  purge(before: number): Promise<{ deliveries: number; webhooks: number }>
  /**
   * Keeps a visit's match keys under each of its lookup keys (`uid:`, `em:`, `ph:` and a SHA-256
   * hex, never a clear value), merged over what was kept before, stamped `at`.
   */
  remember(visits: Visit[], at: number): Promise<void>
  /** The match keys kept under these lookup keys since `since`, merged (earlier keys win). */
  recall(lookups: string[], since: number): Promise<VisitKeys>
  /** Erases what is kept under these lookup keys; returns how many were there. */
  forget(lookups: string[]): Promise<number>
  /** Erases the visits last seen before `before`; returns how many. */
  purgeVisits(before: number): Promise<number>
  close(): Promise<void>
}

/** A visit's match keys, with the lookup keys that find it again. */
export interface Visit {
  lookups: string[]
  keys: VisitKeys
}


export interface Backlog {
  pending: number
  /** When the oldest pending delivery's webhook was received (epoch ms). */
  oldestReceivedAt: number
}

export interface StoreOptions {
  /** How long a claimed delivery stays another instance's (PostgreSQL). */
  leaseMs: number
  /** How long a query waits for PostgreSQL's answer, and a new connection for its server (QUERY_TIMEOUT_MS). */
  timeoutMs?: number
}

/** `relay.database` names the engine: a postgres:// URL is PostgreSQL, anything else a SQLite file. */
export const isPostgresUrl = (database: string) => /^postgres(?:ql)?:\/\//i.test(database)

export function openStore(database: string, options: StoreOptions): Promise<Store> {
  return isPostgresUrl(database) ? openPostgresStore(database, options) : openThreadedSqliteStore(database)
}
