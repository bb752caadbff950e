import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serverSenders } from '../../adapters/server'
import { formatProblems } from '../config/problems'
import { configWarnings } from '../config/warnings'
import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject } from '../lib/json'
import type { Logger } from '../lib/logger'
import { compile } from '../plan/compile'
import { NO_PAGE } from '../plan/page'
import { identify, runDestination } from '../plan/run'
import { relayAdapters, relaySchemaFor } from './adapters'
import { nestedDeeperThan } from '../lib/nested-deeper-than'
import { createMetrics, type RejectionReason } from './metrics'
import { parsePopinTimestamp } from './popin-time'
import { sha256Hex } from './sha256'
import { relaySettings, type RelayConfig, type RelaySettings } from './settings'
import { openStore, type IncomingWebhook, type OutboxEntry } from './store'
import { idempotencyKey, webhookEvent } from './webhook'
import { startWorker, type ActiveServerDestination } from './worker'

export const WEBHOOK_PATH = '/webhooks/popin'
export const MAX_BODY_BYTES = 256 * 1024
/**
 * How deep a webhook body may nest. Popin's bodies are two or three levels deep; much deeper is
 * not a webhook, and would overflow the stack of the recursive code that reads bodies.
 */
export const MAX_BODY_DEPTH = 32
const PURGE_EVERY_MS = 3600 * 1000
export const API_KEY_ENV = 'POPIN_BRIDGE_POPIN_API_KEY'

export interface RelayOptions {
  /** Overrides of the config's `relay` section (CLI flags). */
  overrides?: Partial<RelaySettings>
  /** Where secrets are read; defaults to process.env. */
  env?: Record<string, string | undefined>
  log: Logger
}

export class RelayConfigError extends Error {}

/**
 * Starts the webhook relay: `POST /webhooks/popin` stores each webhook with one outbox row per
 * destination call, in one transaction, then answers 200; a worker forwards the rows.
 * `GET /healthz`, `GET /metrics`. Throws RelayConfigError when the config cannot run.
 */
export async function startRelay(config: unknown, { overrides, env = process.env, log }: RelayOptions) {
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
  const expectedKey = apiKey ? digest(apiKey) : undefined

  /** The outbox rows of one webhook: each active destination's calls, as stored requests. */
  const outboxEntries = (body: JsonObject, key: string, receivedAt: number): OutboxEntry[] => {
    const event = webhookEvent(body, settings.timeZone)
    const eventTime = new Date(Math.min(parsePopinTimestamp(body.timestamp, settings.timeZone)?.getTime() ?? receivedAt, receivedAt))
    // One id per occurrence, the same on every retry and redelivery: derived from the webhook's key.
    const occurrence = identify(plan, { event, page: NO_PAGE, id: key.slice(0, 24) })
    const entries: OutboxEntry[] = []
    for (const destination of routes) {
      const name = destination.adapter.name
      const { server } = active.get(name)!
      const calls = runDestination(destination, occurrence)
      if ('reason' in calls) continue
      calls.forEach((call, seq) => {
        try {
          entries.push({ destination: name, seq, eventTime: eventTime.getTime(), request: server.request(call, { settings: destination.settings, relay: settings, eventTime, index: seq, hash: sha256Hex }) })
        } catch (error) {
          entries.push({ destination: name, seq, eventTime: eventTime.getTime(), request: { url: '', headers: {}, body: null }, deadReason: `could not build the request: ${(error as Error).message}` })
        }
      })
    }
    return entries
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      log.error('relay: request failed', error)
      if (!res.headersSent) reply(res, 500, { error: 'internal error' })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/healthz') return reply(res, 200, { status: 'ok', outbox: await store.counts() })
    if (req.method === 'GET' && path === '/readyz') return ready(res)
    if (req.method === 'GET' && path === '/metrics') {
      const [outbox, backlog] = await Promise.all([store.counts(), store.backlog()])
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render(outbox, backlog))
      return
    }
    if (path !== WEBHOOK_PATH) return reply(res, 404, { error: 'not found' })
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' })
    if (!authorized(req.headers['x-api-key'])) {
      req.resume()
      return refuse(res, 'auth', 401, 'missing or wrong X-API-KEY')
    }
    // Whatever the Content-Type: Popin does not document the one it sends, and the body decides.
    const text = await readBody(req, MAX_BODY_BYTES)
    if (text === undefined) return refuse(res, 'too_large', 413, `body over ${MAX_BODY_BYTES} bytes`, true)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (error) {
      return refuse(res, 'json', 400, `body is not valid JSON: ${(error as Error).message}`)
    }
    // Checked before anything walks the body recursively (the idempotency key does).
    if (nestedDeeperThan(body, MAX_BODY_DEPTH)) return refuse(res, 'too_deep', 400, `body nested deeper than ${MAX_BODY_DEPTH} levels`)
    if (!isPlainObject(body) || typeof body.event !== 'string' || body.event.trim() === '') {
      return refuse(res, 'no_event', 400, 'body must be a JSON object with an "event" string')
    }
    const now = Date.now()
    const key = idempotencyKey(body)
    metrics.inc('popin_relay_received_total')
    const outcome = await commit({ key, event: body.event, body: text, receivedAt: now, entries: outboxEntries(body as JsonObject, key, now) })
    if (outcome === 'duplicate') metrics.inc('popin_relay_duplicates_total')
    reply(res, 200, { status: outcome, id: key })
  }

  /** Answers a webhook that is refused, counted by reason. */
  function refuse(res: ServerResponse, reason: RejectionReason, status: number, error: string, close = false) {
    metrics.inc('popin_relay_rejected_total', { reason })
    reply(res, status, { error }, close)
  }

  // Group commit: webhooks that arrive in the same turn of the event loop share one transaction,
  // and each is acknowledged only once that transaction is on disk.
  let batch: { webhook: IncomingWebhook; resolve: (outcome: 'stored' | 'duplicate') => void; reject: (error: unknown) => void }[] = []
  const commit = (webhook: IncomingWebhook) =>
    new Promise<'stored' | 'duplicate'>((resolve, reject) => {
      if (batch.length === 0) setImmediate(() => void flush())
      batch.push({ webhook, resolve, reject })
    })
  async function flush() {
    const waiting = batch
    batch = []
    try {
      const outcomes = await store.accept(waiting.map((w) => w.webhook))
      waiting.forEach((w, i) => w.resolve(outcomes[i] as 'stored' | 'duplicate'))
    } catch (error) {
      // One webhook the database refuses must not sink those committed with it: each on its own.
      if (waiting.length === 1) waiting[0]!.reject(error)
      else
        for (const w of waiting) {
          try {
            w.resolve((await store.accept([w.webhook]))[0] as 'stored' | 'duplicate')
          } catch (own) {
            w.reject(own)
          }
        }
    }
    worker.poke()
  }

  /** Ready: the database answers, and no delivery has waited longer than relay.readyBacklogAgeMs. */
  async function ready(res: ServerResponse) {
    let backlog: Awaited<ReturnType<typeof store.backlog>>
    try {
      backlog = await store.backlog()
    } catch (error) {
      return reply(res, 503, { status: 'database unreachable', error: (error as Error).message })
    }
    const now = Date.now()
    const late = Object.entries(backlog).filter(([, b]) => now - b.oldestReceivedAt > settings.readyBacklogAgeMs).map(([destination]) => destination)
    const waiting = Object.fromEntries(Object.entries(backlog).map(([destination, b]) => [destination, { pending: b.pending, oldestSeconds: Math.round((now - b.oldestReceivedAt) / 1000) }]))
    reply(res, late.length ? 503 : 200, { status: late.length ? 'backlogged' : 'ready', ...(late.length ? { late } : {}), backlog: waiting })
  }

  /** Delivered rows and idempotency keys older than relay.retentionDays go, hourly and at start. */
  const purge = async () => {
    try {
      const { deliveries, webhooks } = await store.purge(Date.now() - settings.retentionDays * 86_400_000)
      if (deliveries || webhooks) log.warn(`relay: purged ${deliveries} delivered row(s) and ${webhooks} webhook(s) older than ${settings.retentionDays} days`)
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

  function authorized(header: string | string[] | undefined): boolean {
    if (!expectedKey) return true
    return typeof header === 'string' && timingSafeEqual(digest(header), expectedKey)
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

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function reply(res: ServerResponse, status: number, body: unknown, close = false) {
  res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) }).end(JSON.stringify(body))
}

/** The body as text, or undefined once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        resolve(undefined)
        req.pause()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
