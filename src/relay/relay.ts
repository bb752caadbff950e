import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sameSecretAs } from './same-secret'
import { serverSenders } from '../../adapters/server'
import type { Call, ServerContext, VisitKeys } from '../adapter'
import { formatProblems } from '../config/problems'
import { configWarnings } from '../config/warnings'
import { WEBHOOK_EVENTS } from '../events/catalog'
import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject } from '../lib/json'
import type { Logger } from '../lib/logger'
import { compile, type DestinationPlan } from '../plan/compile'
import { NO_PAGE } from '../plan/page'
import { identify, runDestination } from '../plan/run'
import { relayAdapters, relaySchemaFor } from './adapters'
import { nestedDeeperThan } from '../lib/nested-deeper-than'
import { parseJsonWithPosition } from '../lib/parse-json'
import { ADMIN_TOKEN_ENV, adminPages } from './admin/index'
import { BadBatch, BROWSER_PATH, browserEvents, MAX_BROWSER_BODY_BYTES } from './browser-events'
import { createMetrics, type BrowserRejectionReason, type RejectionReason } from './metrics'
import { rateLimiter } from './rate-limit'
import { sameTurn } from './same-turn'
import { ClientGone, readBody } from './read-body'
import { parsePopinTimestamp } from './popin-time'
import { sha256Hex } from './sha256'
import { relaySettings, type RelayConfig, type RelaySettings } from './settings'
import { openStore, type IncomingWebhook, type OutboxEntry, type Visit } from './store'
import { forgetLookups, forgetProblem, uidLookup, visitKeysOf, webhookLookups } from './visits'
import { idempotencyKey, webhookEvent } from './webhook'
import { keyHash, timedKey } from './keys'
import { startWorker, type ActiveServerDestination } from './worker'

export const WEBHOOK_PATH = '/webhooks/popin'
export const MAX_BODY_BYTES = 256 * 1024
/**
 * How deep a webhook body may nest. Popin's bodies are two or three levels deep; much deeper is
 * not a webhook, and would overflow the stack of the recursive code that reads bodies.
 */
export const MAX_BODY_DEPTH = 32
const PURGE_EVERY_MS = 3600 * 1000
/** Longest a stored webhook's answer waits for forwarding to catch up: well within a sender's timeout. */
const MAX_HOLD_MS = 1000
/** How long /healthz, /readyz and /metrics wait for the database before they answer without it. */
const HEALTH_WAIT_MS = 1000
/** The probes' own reason when the database says nothing in time (no detail of the database in it). */
const SILENT = new Error(`no answer within ${HEALTH_WAIT_MS} ms`)
const DAY_MS = 86_400_000
/** What a 503 for a webhook or a batch not stored asks the sender to wait. */
const RETRY_AFTER_S = 5
const WEBHOOK_NAMES: ReadonlySet<string> = new Set(WEBHOOK_EVENTS)
/** Where the page loads the channel from: `<relayUrl>/e.js`. */
export const CHANNEL_SCRIPT_PATH = '/e.js'
export const API_KEY_ENV = 'POPIN_BRIDGE_POPIN_API_KEY'

export interface RelayOptions {
  /** Overrides of the config's `relay` section (CLI flags). */
  overrides?: Partial<RelaySettings>
  /** Where secrets are read; defaults to process.env. */
  env?: Record<string, string | undefined>
  log: Logger
  /** dist/popin-bridge.relay.min.js, served at GET /e.js for the drop-ins' relay channel. */
  channelScript?: string
}

export class RelayConfigError extends Error {}

/**
 * Starts the webhook relay: `POST /webhooks/popin` stores each webhook with one outbox row per
 * destination call, in one transaction, then answers 200; a worker forwards the rows.
 * `GET /healthz`, `GET /metrics`. Throws RelayConfigError when the config cannot run.
 */
export async function startRelay(config: unknown, { overrides, env = process.env, log, channelScript }: RelayOptions) {
  const { plan, problems } = compile(config, { adapters: relayAdapters(), side: 'server', hash: sha256Hex, relay: relaySchemaFor() })
  if (problems.length) throw new RelayConfigError(`the config has ${problems.length} problem(s):\n${formatProblems(problems)}`)
  for (const { path, message } of configWarnings(config)) log.warn(`relay: ${path}: ${message}`)
  const settings = relaySettings((isPlainObject(config) ? config.relay : undefined) as RelayConfig | undefined, overrides, env)
  const apiKey = env[API_KEY_ENV]
  if (!apiKey && !settings.allowMissingApiKey) {
    throw new RelayConfigError(`set ${API_KEY_ENV} to the API key entered in Popin's webhook settings (or set relay.allowMissingApiKey for Popin's "." setting)`)
  }

  const active = new Map<string, ActiveServerDestination>()
  for (const destination of plan.destinations) {
    const server = serverSenders.find((s) => s.browser.name === destination.adapter.name)
    if (!server) continue
    const secrets = Object.fromEntries(Object.entries(server.secrets).map(([name, variable]) => [name, env[variable]]))
    const why = server.misconfigured?.(destination.settings, secrets)
    if (why) log.warn(`relay: ${destination.adapter.name} is off: ${why}`)
    else active.set(destination.adapter.name, { server, secrets: secrets as Record<string, string> })
  }
  const routes = plan.destinations.filter((d) => active.has(d.adapter.name))

  const store = await openStore(settings.database, settings)
  const metrics = createMetrics([...active.keys()])
  const worker = startWorker(store, active, serverSenders.map((s) => s.browser.name), settings, metrics, log)

  /** One destination's calls for one occurrence, as stored requests. */
  const requests = (destination: DestinationPlan, calls: Call[], eventTime: Date, extra: Pick<ServerContext, 'visit' | 'browser'>): OutboxEntry[] => {
    const name = destination.adapter.name
    const { server } = active.get(name)!
    return calls.map((call, seq) => {
      try {
        return { destination: name, seq, eventTime: eventTime.getTime(), request: server.request(call, { settings: destination.settings, relay: settings, eventTime, index: seq, hash: sha256Hex, ...extra }) }
      } catch (error) {
        return { destination: name, seq, eventTime: eventTime.getTime(), request: { url: '', headers: {}, body: null }, deadReason: `could not build the request: ${(error as Error).message}` }
      }
    })
  }

  /** The outbox rows of one webhook: each active destination's calls, with the visit stitched to it. */
  const outboxEntries = (body: JsonObject, event: ReturnType<typeof webhookEvent>, key: string, receivedAt: number, visit: VisitKeys): OutboxEntry[] => {
    const stated = parsePopinTimestamp(body.timestamp, settings.timeZone)
    // Once a process and Popin webhook (once for all the others: their names are anyone's): a
    // format Popin changes must be seen, not logged at every webhook.
    if (!stated && body.timestamp !== undefined) {
      const name = WEBHOOK_NAMES.has(event.name) ? event.name : 'an unknown webhook'
      log.once(`timestamp:${name}`, 'warn', `relay: ${name}: timestamp ${JSON.stringify(body.timestamp).slice(0, 60)} not read; the time the webhook was received is used`)
    }
    const eventTime = new Date(Math.min(stated?.getTime() ?? receivedAt, receivedAt))
    // One id per occurrence, the same on every retry and redelivery: derived from the webhook's key.
    const occurrence = identify(plan, { event, page: NO_PAGE, id: keyHash(key).slice(0, 24) })
    const entries: OutboxEntry[] = []
    for (const destination of routes) {
      const calls = runDestination(destination, occurrence)
      if (!('reason' in calls)) entries.push(...requests(destination, calls, eventTime, Object.keys(visit).length ? { visit } : {}))
    }
    return entries
  }
  const adminToken = env[ADMIN_TOKEN_ENV]
  // Without a token the admin pages do not exist (404).
  const admin = adminToken ? adminPages({ store, token: adminToken, timeZone: settings.timeZone, trustProxy: settings.trustProxy, replayed: () => worker.poke() }) : undefined
  const rateLimited = rateLimiter(settings.browserRequestsPerMinute)
  let channelSource: Promise<Buffer> | undefined

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      // Not the relay's failure, nor anything to log at will for anyone who opens a connection.
      if (error instanceof ClientGone) return log.debug(`relay: ${error.message}`)
      log.error('relay: request failed', error)
      if (!res.headersSent) reply(res, 500, { error: 'internal error' })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (req.method === 'GET' && path === '/healthz') return health(res)
    if (req.method === 'GET' && path === '/readyz') return ready(res)
    if (req.method === 'GET' && path === '/metrics') {
      // The counters are worth most while the database fails: they are rendered without its gauges.
      const found = await askDatabase('/metrics', outboxNow)
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('trouble' in found ? metrics.render() : metrics.render(found.answer.outbox, found.answer.backlog))
      return
    }
    if (admin && (path === '/admin' || path.startsWith('/admin/'))) return admin(req, res, path)
    if (path === BROWSER_PATH) return browser(req, res)
    if (req.method === 'GET' && path === CHANNEL_SCRIPT_PATH) return script(res)
    if (path !== WEBHOOK_PATH) return reply(res, 404, { error: 'not found' })
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' }, false, { allow: 'POST' })
    if (!authorized(req.headers['x-api-key'])) {
      req.resume()
      // Closed: a body that never ends must not hold the connection until the server's own timeout.
      return refuse(res, 'auth', 401, 'missing or wrong X-API-KEY', true)
    }
    // Whatever the Content-Type: Popin does not document the one it sends, and the body decides.
    const text = await readBody(req, MAX_BODY_BYTES)
    if (text === undefined) return refuse(res, 'too_large', 413, `body over ${MAX_BODY_BYTES} bytes`, true)
    const parsed = parseJsonWithPosition(text)
    if ('error' in parsed) return refuse(res, 'json', 400, `body is not valid JSON: ${parsed.error}`)
    const body = parsed.value
    // Checked before anything walks the body recursively (the idempotency key does).
    if (nestedDeeperThan(body, MAX_BODY_DEPTH)) return refuse(res, 'too_deep', 400, `body nested deeper than ${MAX_BODY_DEPTH} levels`)
    if (!isPlainObject(body) || typeof body.event !== 'string' || body.event.trim() === '') {
      return refuse(res, 'no_event', 400, 'body must be a JSON object with an "event" string')
    }
    const now = Date.now()
    const key = idempotencyKey(body)
    metrics.inc('popin_relay_received_total')
    const event = webhookEvent(body as JsonObject, settings.timeZone)
    // The visit this webhook's visitor made, when the page sent one: its match keys go with it.
    // Without an allowed origin no page can send one, and the webhook costs no lookup.
    const lookups = webhookLookups(event.data)
    const visit = settings.allowedOrigins.length ? await store.recall(lookups, now - settings.visitRetentionDays * DAY_MS) : {}
    const entries = outboxEntries(body as JsonObject, event, key, now, visit)
    let outcome: Awaited<ReturnType<typeof commit>>
    try {
      outcome = await commit({ key, event: body.event, body: text, receivedAt: now, lookups, entries })
    } catch (error) {
      return unstored(res, 'POST /webhooks/popin', error)
    }
    if (outcome === 'duplicate') metrics.inc('popin_relay_duplicates_total')
    // Backpressure: while forwarding lags behind intake, a stored webhook that adds deliveries waits
    // (up to MAX_HOLD_MS) for it to catch up, so a sender keeping requests in flight is slowed to the
    // rate the vendors are sent, rather than growing the backlog (src/relay/lag.ts says when).
    if (outcome === 'stored' && entries.length && worker.lag.lagging()) {
      metrics.inc('popin_relay_held_total')
      await worker.lag.caughtUp(MAX_HOLD_MS)
    }
    reply(res, 200, { status: outcome, id: key })
  }

  /** Answers a webhook that is refused, counted by reason. */
  function refuse(res: ServerResponse, reason: RejectionReason, status: number, error: string, close = false) {
    metrics.inc('popin_relay_rejected_total', { reason })
    reply(res, status, { error }, close)
  }

  /**
   * `POST /e`: a batch of event occurrences from the bridge in a page of an allowed origin. Each
   * occurrence's calls for each destination are stored like a webhook's (idempotent by the
   * occurrence's id), with the page's match keys, its IP and user agent; the visit is kept for
   * stitching. Only then 200.
   */
  async function browser(req: IncomingMessage, res: ServerResponse) {
    const origin = req.headers.origin
    const refuseBrowser = (reason: BrowserRejectionReason, status: number, error: string, headers: OutgoingHttpHeaders = {}, close = false) => {
      if (!close) req.resume()
      metrics.inc('popin_relay_browser_rejected_total', { reason })
      reply(res, status, { error }, close, headers)
    }
    if (typeof origin !== 'string' || !settings.allowedOrigins.includes(origin)) return refuseBrowser('origin', 403, `origin ${origin === undefined ? '(none)' : origin.slice(0, 200)} is not in relay.allowedOrigins`, {}, true)
    const cors = { 'access-control-allow-origin': origin, vary: 'Origin' }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' }).end()
      return
    }
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' }, false, { ...cors, allow: 'POST, OPTIONS' })
    const ip = clientIp(req)
    const wait = rateLimited(ip ?? '')
    if (wait) return refuseBrowser('rate_limited', 429, `more than ${settings.browserRequestsPerMinute} requests a minute from this address`, { ...cors, 'retry-after': String(wait) })
    // sendBeacon posts text/plain (no preflight): the body decides, not the Content-Type.
    const text = await readBody(req, MAX_BROWSER_BODY_BYTES)
    if (text === undefined) return refuseBrowser('too_large', 413, `body over ${MAX_BROWSER_BODY_BYTES} bytes`, cors, true)
    const parsed = parseJsonWithPosition(text)
    if ('error' in parsed) return refuseBrowser('json', 400, `body is not valid JSON: ${parsed.error}`, cors)
    const body = parsed.value
    if (nestedDeeperThan(body, MAX_BODY_DEPTH)) return refuseBrowser('bad_batch', 400, `body nested deeper than ${MAX_BODY_DEPTH} levels`, cors)
    let batch: ReturnType<typeof browserEvents>
    try {
      batch = browserEvents(body, routes)
    } catch (error) {
      if (error instanceof BadBatch) return refuseBrowser('bad_batch', 400, error.message, cors)
      throw error
    }
    const now = Date.now()
    const visit = visitKeysOf((body as JsonObject).keys)
    const userAgent = req.headers['user-agent']?.slice(0, 500)
    const context = { ...(Object.keys(visit).length ? { visit } : {}), browser: { ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) } }
    const rows: IncomingWebhook[] = []
    const visits: Visit[] = []
    for (const event of batch.events) {
      // How long before the post it happened, by the page's clock; when, by the relay's (not before
      // 1970: a page clock far off makes an event too old to send, which the vendor's window says).
      const eventTime = new Date(Math.max(0, now - Math.max(0, (batch.sent ?? now) - event.at)))
      const lookups = [...(event.uid ? [uidLookup(event.uid)] : []), ...(event.lead.em ? [`em:${event.lead.em}`] : []), ...(event.lead.ph ? [`ph:${event.lead.ph}`] : [])]
      for (const [destination, calls] of event.calls) {
        const name = destination.adapter.name
        // What the page sent, as the inbox keeps it: no IP, no user agent.
        const stored = JSON.stringify({ url: batch.url, id: event.id, event: event.event, at: event.at, uid: event.uid, destination: name, calls })
        rows.push({ key: timedKey(event.at, sha256Hex(`browser:${name}:${event.id}`)), event: event.event, body: stored, receivedAt: now, source: 'browser', lookups, entries: requests(destination, calls, eventTime, context) })
      }
      if (lookups.length && Object.keys(visit).length) visits.push({ lookups, keys: visit })
    }
    let outcomes: Awaited<ReturnType<typeof commit>>[]
    try {
      outcomes = await Promise.all(rows.map((row) => commit(row)))
    } catch (error) {
      // Some of the batch may be stored: sent again, those are duplicates.
      return unstored(res, 'POST /e', error, cors)
    }
    for (const outcome of outcomes) metrics.inc('popin_relay_browser_events_total', { outcome })
    try {
      if (visits.length) await store.remember(visits, now)
    } catch (error) {
      // The events are stored: a visit not kept only costs the stitching of later webhooks.
      log.error('relay: could not keep a visit for stitching', error)
    }
    reply(res, 200, { status: 'stored', stored: outcomes.filter((o) => o === 'stored').length, duplicates: outcomes.filter((o) => o === 'duplicate').length }, false, cors)
  }

  /** The browser's address: the socket's, or with relay.trustProxy the last X-Forwarded-For hop (the one your proxy added). */
  function clientIp(req: IncomingMessage): string | undefined {
    if (!settings.trustProxy && req.headers['x-forwarded-for'] !== undefined) {
      log.once('untrusted-proxy', 'warn', 'relay: POST /e requests come through a proxy (X-Forwarded-For) but relay.trustProxy is off: every visitor counts as the proxy\'s address, for the rate limit and for Meta\'s client_ip_address. Set relay.trustProxy if that proxy is yours.')
    }
    const forwarded = settings.trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').pop()?.trim() : undefined
    return (forwarded || req.socket.remoteAddress)?.replace(/^::ffff:/, '')
  }

  /** GET /e.js: the drop-ins' relay channel, read once. */
  async function script(res: ServerResponse) {
    if (!channelScript) return reply(res, 404, { error: 'this relay serves no channel script' })
    channelSource ??= readFile(channelScript)
    let source: Buffer
    try {
      source = await channelSource
    } catch (error) {
      channelSource = undefined
      return reply(res, 404, { error: `could not read the channel script: ${(error as Error).message}` })
    }
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' }).end(source)
  }

  // Group commit: webhooks that arrive in the same turn of the event loop share one transaction,
  // and each is acknowledged only once that transaction is on disk.
  const commitTogether = sameTurn(async (webhooks: IncomingWebhook[]): Promise<({ outcome: 'stored' | 'duplicate' } | { error: unknown })[]> => {
    // The rows go straight to the destinations with room for them: not claimed back from the database.
    const reserved = store.leasesAsStored ? worker.reserve(webhooks) : new Map<string, number>()
    try {
      return (await store.accept(webhooks, [...reserved.keys()])).map((outcome) => ({ outcome }))
    } catch (error) {
      // One webhook the database refuses must not sink those committed with it: each on its own.
      if (webhooks.length === 1) return [{ error }]
      const alone = []
      for (const webhook of webhooks) {
        try {
          alone.push({ outcome: (await store.accept([webhook]))[0]! })
        } catch (own) {
          alone.push({ error: own })
        }
      }
      return alone
    } finally {
      // Rows left in the database are claimed.
      if (!worker.handOff(webhooks, reserved)) worker.poke()
    }
  })
  const commit = async (webhook: IncomingWebhook) => {
    const committed = await commitTogether(webhook)
    if ('error' in committed) throw committed.error
    troubleLogged.delete('storing')
    return committed.outcome
  }

  /**
   * Not stored (of a batch, not all of it): 503 and Retry-After, so a sender that retries sends it again (Popin
   * retries a 5xx; a page's beacon is never sent again), and one log line a failure, not one a request.
   */
  function unstored(res: ServerResponse, route: string, error: unknown, headers: OutgoingHttpHeaders = {}) {
    logTrouble('storing', `${route}: could not store`, error)
    reply(res, 503, { error: 'could not store it; send it again' }, false, { ...headers, 'retry-after': String(RETRY_AFTER_S) })
  }

  /**
   * The outbox rows that still need something, by destination: pending and dead. Not the delivered
   * ones: a probe or a scrape would count every row kept for the retention days (110 ms a million
   * rows on SQLite, each time); popin_relay_forwarded_total counts deliveries.
   */
  async function outboxNow() {
    const [backlog, dead] = await Promise.all([store.backlog(), store.deadCounts()])
    const outbox: Record<string, { pending?: number; dead?: number }> = {}
    for (const [destination, { pending }] of Object.entries(backlog)) outbox[destination] = { pending }
    for (const [destination, n] of Object.entries(dead)) outbox[destination] = { ...outbox[destination], dead: n }
    return { outbox, backlog }
  }

  /**
   * Alive: the process answers, with the outbox's counts when the database gives them. A database
   * that does not is /readyz's 503 (take the instance out of the load balancer), not a reason for
   * an orchestrator to restart a process that holds nothing.
   */
  async function health(res: ServerResponse) {
    const found = await askDatabase('/healthz', outboxNow)
    reply(res, 200, 'trouble' in found ? { status: 'ok', outbox: null, database: found.trouble } : { status: 'ok', outbox: found.answer.outbox })
  }

  // The failure each asker (a probe, or storing) last logged, until it succeeds again.
  const troubleLogged = new Map<string, string>()
  function logTrouble(asker: string, what: string, error: unknown) {
    const message = (error as Error)?.message ?? String(error)
    if (troubleLogged.get(asker) !== message) log.error(`relay: ${what}: ${message}`)
    troubleLogged.set(asker, message)
  }
  /**
   * What a probe or a scrape asks the database, or what it may say of a database that failed or
   * said nothing within HEALTH_WAIT_MS (a probe must answer before its own timeout). These answer
   * on the webhook port, reachable from the internet, and a database's error can name its host,
   * user, database or file: that goes to the relay's log (once for each asker until its query
   * succeeds again, not at each probe); the answer gets a pointer to it.
   */
  async function askDatabase<T>(asker: string, query: () => Promise<T>): Promise<{ answer: T } | { trouble: string }> {
    let timer: NodeJS.Timeout | undefined
    const silent = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(SILENT), HEALTH_WAIT_MS)))
    try {
      const answer = await Promise.race([query(), silent])
      troubleLogged.delete(asker)
      return { answer }
    } catch (error) {
      logTrouble(asker, `${asker}: the database failed`, error)
      return { trouble: error === SILENT ? SILENT.message : 'the database failed (the reason is in the relay log)' }
    } finally {
      clearTimeout(timer)
    }
  }

  /** Ready: the database answers, and no delivery has waited longer than relay.readyBacklogAgeMs. */
  async function ready(res: ServerResponse) {
    const found = await askDatabase('/readyz', () => store.backlog())
    if ('trouble' in found) return reply(res, 503, { status: 'database unreachable', error: found.trouble })
    const backlog = found.answer
    const now = Date.now()
    const late = Object.entries(backlog).filter(([, b]) => now - b.oldestReceivedAt > settings.readyBacklogAgeMs).map(([destination]) => destination)
    const waiting = Object.fromEntries(Object.entries(backlog).map(([destination, b]) => [destination, { pending: b.pending, oldestSeconds: Math.round((now - b.oldestReceivedAt) / 1000) }]))
    reply(res, late.length ? 503 : 200, { status: late.length ? 'backlogged' : 'ready', ...(late.length ? { late } : {}), backlog: waiting })
  }

  /** Delivered rows and idempotency keys older than relay.retentionDays go, hourly and at start. */
  const purge = async () => {
    try {
      const { deliveries, webhooks } = await store.purge(Date.now() - settings.retentionDays * DAY_MS)
      if (deliveries || webhooks) log.warn(`relay: purged ${deliveries} delivered row(s) and ${webhooks} webhook(s) older than ${settings.retentionDays} days`)
      const visits = await store.purgeVisits(Date.now() - settings.visitRetentionDays * DAY_MS)
      if (visits) log.warn(`relay: purged ${visits} visit key(s) older than ${settings.visitRetentionDays} days`)
    } catch (error) {
      log.error('relay: purge failed; retried in an hour', error)
    }
  }
  let purging = purge()
  const purgeTimer = setInterval(() => (purging = purge()), PURGE_EVERY_MS)
  purgeTimer.unref()
  /** Stops purging; resolves once a purge in progress is over, so the database can close. */
  const stopPurging = () => {
    clearInterval(purgeTimer)
    return purging
  }

  const isApiKey = apiKey ? sameSecretAs(apiKey) : undefined
  function authorized(header: string | string[] | undefined): boolean {
    if (!isApiKey) return true
    return typeof header === 'string' && isApiKey(header)
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(settings.port, settings.host, resolve)
    })
  } catch (error) {
    // The port is taken (say): nothing may keep the process alive, so a supervisor sees it fail.
    await worker.stop()
    await stopPurging()
    await store.close()
    throw error
  }
  const { address, port } = server.address() as AddressInfo
  log.warn(`relay: listening on http://${address}:${port}${WEBHOOK_PATH}; forwarding to ${[...active.keys()].join(', ') || 'no destination'}`)

  return {
    url: `http://${address}:${port}`,
    store,
    metrics,
    /** Stops accepting, lets deliveries in flight finish, closes the database. */
    async close() {
      // Held answers go out now: closing waits for the requests in flight.
      worker.lag.stop()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await worker.stop()
      await stopPurging()
      await store.close()
    },
  }
}

export type Relay = Awaited<ReturnType<typeof startRelay>>

/** Makes every dead letter due again (the running relay picks them up); returns how many. */
export async function replayDeadLetters(config: unknown, overrides: Partial<RelaySettings> = {}, env: Record<string, string | undefined> = process.env): Promise<number> {
  const settings = relaySettings((isPlainObject(config) ? config.relay : undefined) as RelayConfig | undefined, overrides, env)
  const store = await openStore(settings.database, settings)
  try {
    return await store.replayDead(Date.now())
  } finally {
    await store.close()
  }
}

/** Erases what the relay keeps of a visitor (`relay forget`); returns how many lookup keys were there. */
export async function forgetVisitor(config: unknown, who: { email?: string; phone?: string; uid?: string }, overrides: Partial<RelaySettings> = {}, env: Record<string, string | undefined> = process.env): Promise<number> {
  const problem = forgetProblem(who)
  if (problem) throw new RelayConfigError(problem)
  const lookups = forgetLookups(who)
  const settings = relaySettings((isPlainObject(config) ? config.relay : undefined) as RelayConfig | undefined, overrides, env)
  const store = await openStore(settings.database, settings)
  try {
    return await store.forget(lookups)
  } finally {
    await store.close()
  }
}

function reply(res: ServerResponse, status: number, body: unknown, close = false, headers: OutgoingHttpHeaders = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) }).end(JSON.stringify(body))
}
